#!/bin/sh
API_KEY=$(security find-generic-password -a "agent" -s "example-api-key" -w)
