#!/bin/sh
KEY=$(security find-generic-password -wa "Chrome")
