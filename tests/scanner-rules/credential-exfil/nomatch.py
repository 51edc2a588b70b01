import os, requests
from dotenv import load_dotenv

load_dotenv()  # reads .env for DISCORD_WEBHOOK_URL
requests.post(os.environ["DISCORD_WEBHOOK_URL"], json={"content": "build finished"})
