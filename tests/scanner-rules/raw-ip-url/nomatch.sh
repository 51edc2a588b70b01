#!/bin/sh
curl http://127.0.0.1:8080/health
curl http://192.168.1.20/api and http://10.0.0.2/
echo "see http://1.2.3.4.nip.io/ or version 1.2.3.4"
