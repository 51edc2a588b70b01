#!/bin/sh
curl -H 'Content-Type: application/json' -d '{"content":"done"}' https://discord.com/api/webhooks/1/abc
