/*
 * 30-credentials.yar - code that reads secrets a skill has no business reading: private
 * keys, cloud credentials, browser password and cookie stores, keychains and wallets.
 *
 * Code view only: a security checklist that names ~/.ssh/id_rsa in a sentence reads
 * nothing. In a script the path alone counts (scripts read what they name); in the code of
 * a markdown file (a fence, an inline span) it counts only with a command that reads or
 * ships the file on the same line, since `~/.aws/credentials` in a checklist or a
 * `--private-key ~/.ssh/id_rsa` flag in CLI docs is a mention.
 */

private rule markdown_file
{
    condition:
        path matches /\.(md|markdown|mdx|txt|rst)$/i
}

rule credential_ssh_key
{
    meta:
        severity = "suspicious"
        description = "reads an SSH private key"
    strings:
        $key = /\.ssh\/id_(rsa|dsa|ecdsa|ed25519)\b[^.\n]/ nocase private
        $all = /\b(cat|cp|tar|zip|scp|rsync)\b[^\n]{0,60}(~|\$HOME|\$\{HOME\})\/\.ssh(\/\*|\/?[ \t"'])/ nocase
        $read_key = /\b(cat|cp|scp|rsync|tar|zip|base64|curl|nc|open\(|readFile|readFileSync|read_text|Get-Content)\b[^\n]{0,80}\.ssh\/id_(rsa|dsa|ecdsa|ed25519)\b[^.\n]/ nocase
    condition:
        context == "code" and (($all or $read_key) or (not markdown_file and $key))
}

rule credential_cloud
{
    meta:
        severity = "suspicious"
        description = "reads cloud provider credentials"
    strings:
        $aws = ".aws/credentials" nocase private
        $gcloud = /\.config\/gcloud\/(credentials\.db|access_tokens\.db|legacy_credentials|application_default_credentials\.json)/ nocase
        $azure1 = ".azure/accessTokens.json" nocase
        $azure2 = ".azure/msal_token_cache" nocase
        $read = /\b(cat|cp|scp|rsync|tar|zip|base64|curl|nc|open\(|readFile|readFileSync|read_text|Get-Content)\b[^\n]{0,80}(\.aws\/credentials|\.config\/gcloud\/|\.azure\/(accessTokens|msal_token_cache))/ nocase
    condition:
        context == "code" and ($read or (not markdown_file and any of ($aws, $gcloud, $azure1, $azure2)))
}

rule credential_browser
{
    meta:
        severity = "suspicious"
        description = "reads browser password or cookie stores"
    strings:
        $chrome_login = /(Chrome|Chromium|Brave-Browser|Edge)[^\n]{0,60}[\/\\]Login Data\b/ nocase
        $chrome_cookies = /(Chrome|Chromium|Brave-Browser|Edge)[^\n]{0,60}[\/\\](Network[\/\\])?Cookies\b/ nocase
        $local_state = /(Chrome|Chromium|Brave-Browser)[^\n]{0,60}[\/\\]Local State\b/ nocase
        $ff_logins = /\blogins\.json\b/ nocase
        $ff_key = /\bkey4\.db\b/ nocase
        $ff_cookies = /\bcookies\.sqlite\b/ nocase
        $metamask = "nkbihfbeogaeaoehlefnkodbefgpgknn"
        $safe_storage = /\bfind-generic-password\b[^\n]{0,60}(Chrome|Chromium|Brave|Edge|Opera)/ nocase
    condition:
        context == "code" and any of them
}

rule credential_keychain
{
    meta:
        severity = "suspicious"
        description = "dumps the system keychain or reads wallet files"
    strings:
        $dump = /\bsecurity[ \t]+dump-keychain\b/ nocase
        $copy = /\b(cp|cat|tar|zip|scp|rsync|base64|curl)\b[^\n]{0,80}(login\.keychain|Keychains\/)/ nocase
        $wallet = /\bwallet\.dat\b/ nocase
        $exodus = /exodus[\/\\]exodus\.wallet/ nocase
        $electrum = /electrum[\/\\]wallets/ nocase
    condition:
        context == "code" and any of them
}

rule keychain_secret_read
{
    meta:
        severity = "info"
        description = "reads a secret from the macOS keychain"
    strings:
        $find = /\bsecurity[ \t]+find-(generic|internet)-password\b/ nocase
    condition:
        context == "code" and $find
}

rule credential_env_file
{
    meta:
        severity = "info"
        description = "reads a .env file directly"
    strings:
        $cat = /\b(cat|type|less|more|head|tail|scp|cp)\b[ \t]+[^\n|;&]{0,40}\.env\b[^.a-z]/ nocase
        $open = /\b(open|readFile|readFileSync|read_text|load)[ \t]*\([^\n)]{0,40}["'][^"'\n]{0,40}\.env["']/
        $upload = /(-F|--form|--data-binary|--upload-file|-T)[ \t]+["']?[a-z]*=?@\.env\b/ nocase
    condition:
        context == "code" and any of them
}
