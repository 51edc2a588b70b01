#!/bin/sh
# the app we just built and signed here: clear its extended attributes before notarizing
swift build -c release
xattr -cr "build/MyApp.app"
