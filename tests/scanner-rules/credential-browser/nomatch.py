# the browser automation keeps its own profile
profile = os.path.join(workdir, "profile")
launch(user_data_dir=profile, headless=True)
