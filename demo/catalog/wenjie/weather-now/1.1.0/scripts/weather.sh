#!/usr/bin/env bash
# weather.sh - current conditions or a 5-day outlook from OpenWeather.
# Usage: weather.sh [--forecast] [--units metric|imperial] "City[,CC]"
set -euo pipefail
: "${OPENWEATHER_API_KEY:?set OPENWEATHER_API_KEY (free key at openweathermap.org)}"

mode=weather
units="${WEATHER_UNITS:-metric}"
while [ $# -gt 0 ]; do
  case "$1" in
    --forecast) mode=forecast; shift ;;
    --units) units="$2"; shift 2 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
place="${1:?usage: weather.sh [--forecast] [--units metric|imperial] \"City[,CC]\"}"
case "$units" in metric) speed="m/s" ;; imperial) speed="mph" ;; *) echo "units must be metric or imperial" >&2; exit 2 ;; esac

resp=$(curl -fsS --max-time 10 \
  "https://api.openweathermap.org/data/2.5/${mode}?q=${place}&units=${units}&appid=${OPENWEATHER_API_KEY}")

if [ "$mode" = weather ]; then
  printf '%s' "$resp" | jq -r --arg speed "$speed" '
    "\(.name), \(.sys.country): \(.weather[0].description), \(.main.temp)° (feels \(.main.feels_like)°), humidity \(.main.humidity)%, wind \(.wind.speed) \($speed)"'
else
  printf '%s' "$resp" | jq -r '
    "\(.city.name), \(.city.country) (times in UTC)",
    (.list | group_by(.dt_txt[0:10])[]
      | { day: .[0].dt_txt[0:10],
          lo: (map(.main.temp_min) | min | round),
          hi: (map(.main.temp_max) | max | round),
          sky: (map(.weather[0].description) | group_by(.) | max_by(length) | .[0]),
          pop: (map(.pop // 0) | max * 100 | round) }
      | "\(.day)   \(.lo)..\(.hi)°   \(.sky)   rain \(.pop)%")'
fi
