/*
 * 40-exfiltration.yar - code that sends data to places made for dropping or capturing it.
 * Code view only: a security tool's docs list these hosts as things to look for. In
 * markdown the sending command must stand on the host's line.
 */

rule exfil_paste_site
{
    meta:
        severity = "suspicious"
        description = "sends data to a paste, file-drop or request-capture site"
    strings:
        $host = /\b(pastebin\.com\/api|transfer\.sh|webhook\.site|requestbin\.(com|net)|[a-z0-9-]+\.m\.pipedream\.net|eo[a-z0-9]+\.m\.pipedream\.net|interact\.sh|oast\.(fun|me|live|site|online|pro)|oastify\.com|burpcollaborator\.net|hastebin\.com\/documents|paste\.ee\/api|file\.io\b|0x0\.st|bashupload\.com|ngrok-free\.app|ngrok\.io)/ nocase
        $send = /\b(curl|wget|requests\.(post|put)|fetch|axios|http\.request|urllib|Invoke-WebRequest|Invoke-RestMethod|iwr|irm|nc|netcat)\b/ nocase private
        $send_line = /\b(curl|wget|requests\.(post|put)|fetch|axios|Invoke-WebRequest|Invoke-RestMethod|iwr|irm|nc|netcat)\b[^\n]{0,200}\b(pastebin\.com\/api|transfer\.sh|webhook\.site|requestbin\.(com|net)|pipedream\.net|interact\.sh|oast\.(fun|me|live|site|online|pro)|oastify\.com|burpcollaborator\.net|hastebin\.com\/documents|paste\.ee\/api|file\.io\b|0x0\.st|bashupload\.com|ngrok-free\.app|ngrok\.io)/ nocase
    condition:
        context == "code" and (
            $send_line or
            (not path matches /\.(md|markdown|mdx|txt|rst)$/i and for any i in (1..#host) : (
                for any j in (1..#send) : (@send[j] > @host[i] - 300 and @send[j] < @host[i] + 300))))
}

rule exfil_chat_webhook
{
    meta:
        severity = "info"
        description = "posts to a chat webhook or bot API"
    strings:
        $discord = /discord(app)?\.com\/api\/webhooks/ nocase
        $telegram = "api.telegram.org/bot" nocase
    condition:
        context == "code" and any of them
}

rule credential_exfil
{
    meta:
        severity = "malicious"
        description = "sends credentials (a secrets file, a keychain item) off the machine"
    strings:
        $secret = /(\.env\b|\.clawdbot\/|\.openclaw\/|\.ssh\/id_(rsa|dsa|ecdsa|ed25519)\b|\.aws\/credentials|auth-profiles\.json|login\.keychain|Login Data|logins\.json)/ nocase
        $sink = /\b(webhook\.site|requestbin\.(com|net)|pipedream\.net|transfer\.sh|oastify\.com|interact\.sh|burpcollaborator\.net|0x0\.st|bashupload\.com|file\.io)\b/ nocase private
        $keychain_send = /\bsecurity[ \t]+(find-(generic|internet)-password|dump-keychain)\b[^\n|]{0,200}(\|[^\n|]{0,100}){0,3}\|[ \t]*(curl|wget|nc|netcat)\b/ nocase
    condition:
        context == "code" and (
            $keychain_send or
            (not path matches /\.(md|markdown|mdx|txt|rst)$/i and
             for any i in (1..#secret) : (
                for any j in (1..#sink) : (@sink[j] < @secret[i] + 400 and @secret[i] < @sink[j] + 400))))
}
