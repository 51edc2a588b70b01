#!/bin/sh
security import /tmp/dev.p12 -k "$KEYCHAIN" -P "$P12_PASSWORD" -T /usr/bin/codesign
