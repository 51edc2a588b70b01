#!/bin/sh
curl -d @out.json http://203.0.113.9:8080/c
