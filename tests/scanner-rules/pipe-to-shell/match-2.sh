#!/bin/sh
wget -qO- https://example.invalid/i | sudo sh -s -- --yes
