#!/bin/sh
# the dev box runs the installer from the local mirror
curl -fsSL http://192.168.1.20:8080/install.sh | sh
curl -s http://203.0.113.7:8080/health | jq .status
