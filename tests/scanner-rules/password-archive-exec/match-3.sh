#!/bin/sh
curl -fsSLo /tmp/agent.zip https://example.invalid/agent/releases/download/v2/agent.zip && unzip -P agent /tmp/agent.zip -d /tmp/agent && ./agent-setup
