#!/usr/bin/env bash
# weather.sh - current conditions or a 5-day outlook from OpenWeather.
# Usage: weather.sh [--forecast] [--units metric|imperial] "City[,CC]" | "lat,lon"
# Env:   OPENWEATHER_API_KEY (required), WEATHER_UNITS (optional, default metric)
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

# Let curl URL-encode every parameter: spaces, commas and non-Latin names all work.
if [[ "$place" =~ ^(-?[0-9]+(\.[0-9]+)?),[[:space:]]*(-?[0-9]+(\.[0-9]+)?)$ ]]; then
  where=(--data-urlencode "lat=${BASH_REMATCH[1]}" --data-urlencode "lon=${BASH_REMATCH[3]}")
else
  where=(--data-urlencode "q=$place")
fi

if ! resp=$(curl -sS --max-time 10 -G "https://api.openweathermap.org/data/2.5/${mode}" \
      "${where[@]}" --data-urlencode "units=$units" \
      --data-urlencode "appid=$OPENWEATHER_API_KEY" -w '\n%{http_code}'); then
  echo "network error talking to OpenWeather" >&2
  exit 1
fi
code="${resp##*$'\n'}"
body="${resp%$'\n'*}"
case "$code" in
  200) ;;
  401) echo "OpenWeather rejected the API key (new keys can take ~2 hours to activate)" >&2; exit 1 ;;
  404) echo "place not found: $place (try adding a country code, e.g. \"$place,GB\")" >&2; exit 1 ;;
  429) echo "rate limit reached; try again in a minute" >&2; exit 1 ;;
  *) echo "OpenWeather returned HTTP $code: $(printf '%s' "$body" | jq -r '.message // empty' 2>/dev/null)" >&2; exit 1 ;;
esac

if [ "$mode" = weather ]; then
  printf '%s' "$body" | jq -r --arg speed "$speed" '
    "\(.name), \(.sys.country): \(.weather[0].description), \(.main.temp)° (feels \(.main.feels_like)°), humidity \(.main.humidity)%, wind \(.wind.speed) \($speed)"'
else
  printf '%s' "$body" | jq -r '
    "\(.city.name), \(.city.country) (times in UTC)",
    (.list | group_by(.dt_txt[0:10])[]
      | { day: .[0].dt_txt[0:10],
          lo: (map(.main.temp_min) | min | round),
          hi: (map(.main.temp_max) | max | round),
          sky: (map(.weather[0].description) | group_by(.) | max_by(length) | .[0]),
          pop: (map(.pop // 0) | max * 100 | round) }
      | "\(.day)   \(.lo)..\(.hi)°   \(.sky)   rain \(.pop)%")'
fi
