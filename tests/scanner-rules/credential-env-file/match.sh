#!/bin/sh
cat .env
