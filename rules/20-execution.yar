/*
 * 20-execution.yar - instructions that run code fetched or decoded on the spot.
 *
 * These read the code view (scripts, code fences, inline code, frontmatter metadata): prose
 * that describes `curl | bash` is not an instruction to run it, though a prose line that is
 * nothing but the command is. What is right of the
 * pipe decides: a shell or an interpreter reading the script from stdin runs it; jq, grep,
 * tee, less or `python3 -m json.tool` only read it. The exception is a decoded payload with
 * its encoded bytes written out: that is one wherever it stands.
 */

rule pipe_to_shell
{
    meta:
        severity = "suspicious"
        description = "remote content piped straight into a shell or interpreter"
    strings:
        $pipe_sh = /\b(curl|wget)\b[ \t]+[^\n|]{1,300}\|[ \t]*(sudo[ \t]+(-[A-Za-z]+[ \t]+)*)?(env[ \t]+)?(\/usr)?(\/bin\/)?(sh|bash|zsh|dash|ksh|fish)\b/ nocase
        $pipe_interp = /\b(curl|wget)\b[ \t]+[^\n|]{1,300}\|[ \t]*(sudo[ \t]+(-[A-Za-z]+[ \t]+)*)?(python[0-9.]*|node|perl|ruby|php)([ \t]+-)?[ \t]*([;&|)"'`#]|\r?\n)/ nocase
        $sub = /\b(sh|bash|zsh|dash|ksh)\b[ \t]+(-c[ \t]+)?["']?(\$\(|<\()[ \t]*(curl|wget)\b/ nocase
        /* in prose, a line that is nothing but the command is one to run */
        $line = /(^|\n)[ \t]*(\$[ \t]+)?(curl|wget)[ \t]+[^\n|]{1,300}\|[ \t]*(sudo[ \t]+(-[A-Za-z]+[ \t]+)*)?(sh|bash|zsh|dash|ksh)\b/ nocase
        $ps_pipe = /\b(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b[^\n|]{0,300}\|[ \t]*(iex|invoke-expression)\b/ nocase
        $ps_iex = /\b(iex|invoke-expression)\b[ \t]*[(&]?[^\n]{0,40}\b(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b/ nocase
        /* The installers of widely used tools, served over TLS from the vendor's own host:
         * a moderator expects these in setup sections. Anything else piped into a shell is
         * worth a look. */
        $known = /https:\/\/(sh\.rustup\.rs|win\.rustup\.rs|static\.rust-lang\.org|astral\.sh|bun\.sh|deno\.land|get\.docker\.com|ollama\.com|tailscale\.com|rclone\.org|fly\.io|foundry\.paradigm\.xyz|release\.solana\.com|release\.anza\.xyz|cursor\.com|deb\.nodesource\.com|rpm\.nodesource\.com|get\.pnpm\.io|raw\.githubusercontent\.com\/(Homebrew|nvm-sh|pyenv|rbenv)\/|install\.python-poetry\.org|get\.sdkman\.io|sdk\.cloud\.google\.com|cli\.github\.com|get\.helm\.sh|k3s\.io|get\.k3s\.io|opencode\.ai|claude\.ai\/install|molt\.bot|openclaw\.ai|starship\.rs|mise\.run|pixi\.sh|install\.determinate\.systems|nixos\.org|get\.volta\.sh|fnm\.vercel\.app|sh\.brew\.sh|supabase\.com|vercel\.com|railway\.app|cli\.doppler\.com|downloads\.1password\.com|dl\.google\.com)/ nocase private
    condition:
        (context == "prose" and
            for any i in (1..#line) : (not for any j in (1..#known) : (@known[j] > @line[i] and @known[j] < @line[i] + !line[i]))) or
        context == "code" and (
            for any i in (1..#pipe_sh) : (not for any j in (1..#known) : (@known[j] > @pipe_sh[i] and @known[j] < @pipe_sh[i] + !pipe_sh[i])) or
            for any i in (1..#pipe_interp) : (not for any j in (1..#known) : (@known[j] > @pipe_interp[i] and @known[j] < @pipe_interp[i] + !pipe_interp[i])) or
            for any i in (1..#sub) : (not for any j in (1..#known) : (@known[j] > @sub[i] and @known[j] < @sub[i] + 300)) or
            for any i in (1..#ps_pipe) : (not for any j in (1..#known) : (@known[j] > @ps_pipe[i] and @known[j] < @ps_pipe[i] + !ps_pipe[i])) or
            for any i in (1..#ps_iex) : (not for any j in (1..#known) : (@known[j] > @ps_iex[i] and @known[j] < @ps_iex[i] + 300))
        )
}

rule obfuscated_exec
{
    meta:
        severity = "malicious"
        description = "an encoded payload is decoded and executed"
    strings:
        /* the payload written out: malicious in any view */
        $lit_b64 = /\b(echo|printf)[ \t]+(-[a-z]+[ \t]+)?["']?[A-Za-z0-9+\/]{12,}={0,2}["']?[ \t]*\|[ \t]*base64[ \t]+(-d|-D|--decode|-di)\b[^\n|]{0,40}\|[ \t]*(sudo[ \t]+)?(sh|bash|zsh|dash|ksh|python[0-9.]*|perl|ruby|node)\b/ nocase
        $lit_ps = /\b(powershell|pwsh)(\.exe)?\b[^\n]{0,80}[ \t]-(e|ec|enc|encodedcommand)[ \t]+[A-Za-z0-9+\/]{8,}={0,2}/ nocase
        /* the technique in code */
        $b64 = /\bbase64[ \t]+(-d|-D|--decode|-di)\b[^\n|]{0,60}\|[ \t]*(sudo[ \t]+)?(sh|bash|zsh|dash|ksh|python[0-9.]*|perl|ruby|node)\b/ nocase
        $b64_sub = /\b(sh|bash|zsh|eval)\b[ \t]+(-c[ \t]+)?["']?\$\([^\n)]{0,300}base64[ \t]+(-d|-D|--decode)\b/ nocase
        $ossl = /\bopenssl[ \t]+(base64|enc)\b[^\n|]{0,40}[ \t]-d\b[^\n|]{0,40}\|[ \t]*(sh|bash|zsh|python[0-9.]*)\b/ nocase
        $xxd = /\bxxd[ \t]+-r\b[^\n|]{0,20}\|[ \t]*(sh|bash|zsh|python[0-9.]*|perl)\b/ nocase
        $py_exec = /\bexec[ \t]*\([ \t]*(base64\.b64decode|b64decode|zlib\.decompress|codecs\.decode|bytes\.fromhex|binascii\.unhexlify|marshal\.loads)/
        $js_eval = /\beval[ \t]*\([ \t]*(atob|Buffer\.from|unescape)[ \t]*\(/
        $js_fn = /\bnew[ \t]+Function[ \t]*\([ \t]*atob[ \t]*\(/
        $ps_iex = /\b(iex|invoke-expression)\b[^\n]{0,120}frombase64string/ nocase
        $ps_iex2 = /frombase64string[^\n]{0,200}\|[ \t]*(iex|invoke-expression)\b/ nocase
    condition:
        (context != "minified" and ($lit_b64 or $lit_ps)) or
        (context == "code" and any of ($b64, $b64_sub, $ossl, $xxd, $py_exec, $js_eval, $js_fn, $ps_iex, $ps_iex2)) or
        (context == "minified" and any of ($js_eval, $js_fn))
}

rule download_exec
{
    meta:
        severity = "suspicious"
        description = "a file is downloaded, made executable and run"
    strings:
        $sh = /\b(curl|wget)\b[^\n]{0,200}chmod[ \t]+(\+x|[0-7]?7[0-7][0-7]|u\+x|a\+x)[^\n]{0,200}(&&|;)[ \t]*(sudo[ \t]+)?(\.\/|\/tmp\/|\$TMPDIR|\$TMP|~\/|"\/tmp\/)/ nocase
        $ps_file = /\bDownloadFile\b[^\n]{0,300}\bStart-Process\b/ nocase
        $ps_out = /-OutFile\b[^\n]{0,300}\bStart-Process\b/ nocase
        $certutil = /\bcertutil(\.exe)?\b[^\n]{0,40}-urlcache\b/ nocase
    condition:
        context == "code" and any of them
}

rule quarantine_strip
{
    meta:
        severity = "suspicious"
        description = "macOS quarantine removed from something downloaded (Gatekeeper bypass)"
    strings:
        $xattr = /\bxattr[ \t]+(-[a-z]*[dc][a-z]*)[ \t]+[^\n]{0,40}com\.apple\.quarantine/ nocase
        $spctl = /\bspctl[ \t]+--master-disable\b/ nocase
        $fetch = /\b(curl|wget)\b[^\n]{0,200}([ \t]-[oO]\b|[ \t]--output\b|>)/ nocase private
    condition:
        context == "code" and ($spctl or ($xattr and $fetch))
}
