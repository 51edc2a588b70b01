#!/bin/sh
cp .env.example .env.local
