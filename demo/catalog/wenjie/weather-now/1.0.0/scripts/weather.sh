#!/usr/bin/env bash
# weather.sh - current conditions from OpenWeather.
# Usage: weather.sh "City[,CC]"
set -euo pipefail
: "${OPENWEATHER_API_KEY:?set OPENWEATHER_API_KEY (free key at openweathermap.org)}"

place="${1:?usage: weather.sh \"City[,country code]\"}"
units="${WEATHER_UNITS:-metric}"

resp=$(curl -fsS --max-time 10 \
  "https://api.openweathermap.org/data/2.5/weather?q=${place}&units=${units}&appid=${OPENWEATHER_API_KEY}")

printf '%s' "$resp" | jq -r '"\(.name), \(.sys.country): \(.weather[0].description), \(.main.temp)° (feels \(.main.feels_like)°), humidity \(.main.humidity)%, wind \(.wind.speed) \(if "'"$units"'" == "imperial" then "mph" else "m/s" end)"'
