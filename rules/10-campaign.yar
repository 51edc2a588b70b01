/*
 * 10-campaign.yar - fake prerequisites: the skill tells its reader to install something
 * from outside the skill, in a way no honest installer needs. Seen in the early-2026
 * campaign against ClawHub; written for the technique, never for a name, owner or URL.
 *
 * External variables (set by the scanner for every view it scans, docs/scanner.md):
 *   context   "code" (scripts, code fences, inline code, frontmatter metadata),
 *             "prose" (the rest of a markdown file), "data" (JSON, YAML...), "minified"
 *   skill_md  true for the skill's root SKILL.md
 *   path      the file's path in the skill
 */

rule password_archive_exec
{
    meta:
        severity = "malicious"
        description = "tells the reader to download a password-protected archive and run what is inside"
    strings:
        $archive = /https?:\/\/[^ \t\r\n)\]"'<>]{4,300}(\.(zip|rar|7z)\b|\/releases\b)/ nocase
        $pass1 = /\b(extract|unzip|unpack|decompress|open)[^\n]{0,40}\b(password|passcode|passphrase|pass|pwd)\b/ nocase private
        $pass2 = /\((password|passcode|pass|pwd)[ \t]*[:=][ \t]*[`'"*]?[A-Za-z0-9_!@#$%&.-]{2,32}[`'"*]?\)/ nocase private
        $pass3 = /\bextract(ed)?[ \t]+(it[ \t]+)?using[ \t]*:/ nocase private
        $pass4 = /\b(unzip[^\n]{0,40}[ \t]-P[ \t]*[^ \t\n]+|7za?[ \t][^\n]{0,40}[ \t]-p[^ \t\n]+)/ private
        $run = /\b(run|execute|launch|start|double-click|open)\b[^\n]{0,80}(\.exe\b|\.msi\b|\.app\b|\.scr\b|\bexecutable\b|\binstaller\b)/ nocase private
        $run2 = /(&&|;)[ \t]*(\.\/|start[ \t]+|open[ \t]+)[A-Za-z0-9_.-]+/ private
    condition:
        (context == "prose" or context == "code") and
        for any i in (1..#archive) : (
            (for any j in (1..#pass1) : (@pass1[j] > @archive[i] - 600 and @pass1[j] < @archive[i] + 600) or
             for any j in (1..#pass2) : (@pass2[j] > @archive[i] - 600 and @pass2[j] < @archive[i] + 600) or
             for any j in (1..#pass3) : (@pass3[j] > @archive[i] - 600 and @pass3[j] < @archive[i] + 600) or
             for any j in (1..#pass4) : (@pass4[j] > @archive[i] - 600 and @pass4[j] < @archive[i] + 600)) and
            (for any k in (1..#run) : (@run[k] > @archive[i] - 600 and @run[k] < @archive[i] + 900) or
             for any k in (1..#run2) : (@run2[k] > @archive[i] - 600 and @run2[k] < @archive[i] + 900))
        )
}

rule paste_site_exec
{
    meta:
        severity = "malicious"
        description = "tells the reader to run a command taken from a paste site"
    strings:
        $paste = /https?:\/\/(www\.)?(glot\.io|pastebin\.com|pastebin\.pl|rentry\.(co|org)|hastebin\.(com|skyra\.pw)|paste\.ee|dpaste\.(org|com)|controlc\.com|ghostbin\.[a-z]+|justpaste\.it|privatebin\.[a-z]+|termbin\.com|paste\.rs|pastes\.io|pastie\.(io|org)|ix\.io|sprunge\.us|bpa\.st|katb\.in|pastelink\.net|paste\.mozilla\.org|paste2\.org|jsbin\.com|telegra\.ph)\/[A-Za-z0-9_\/.-]{4,}/ nocase
        $run = /\b(run|execute)\b[^\n]{0,80}\b(terminal|command|script|shell|powershell|console)\b/ nocase private
        $term = /\bin(to)?[ \t]+(the[ \t]+|your[ \t]+|a[ \t]+)?(terminal|shell|powershell|command[ \t]+prompt)\b/ nocase private
        $fetch = /\b(curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod)\b/ nocase private
        $pipe = /\|[ \t]*(sudo[ \t]+)?(sh|bash|zsh|dash|iex|invoke-expression|python[0-9.]*)\b/ nocase private
    condition:
        (context == "prose" or context == "code") and
        for any i in (1..#paste) : (
            for any j in (1..#run) : (@run[j] > @paste[i] - 300 and @run[j] < @paste[i] + 300) or
            for any j in (1..#term) : (@term[j] > @paste[i] - 300 and @term[j] < @paste[i] + 300) or
            (for any j in (1..#fetch) : (@fetch[j] > @paste[i] - 200 and @fetch[j] < @paste[i]) and
             for any k in (1..#pipe) : (@pipe[k] > @paste[i] and @pipe[k] < @paste[i] + 300))
        )
}

rule remote_exec_raw_ip
{
    meta:
        severity = "malicious"
        description = "runs a script or program fetched from a bare IP address"
    strings:
        $pipe = /\b(curl|wget)\b[^\n|]{0,200}https?:\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b[^\n|]{0,200}\|[ \t]*(sudo[ \t]+(-[A-Za-z]+[ \t]+)*)?(sh|bash|zsh|dash|ksh|python[0-9.]*|perl|ruby|node)\b/ nocase
        $sub = /\b(sh|bash|zsh|dash)\b[ \t]+(-c[ \t]+)?["']?(\$\(|<\()[ \t]*(curl|wget)\b[^\n)]{0,200}https?:\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b/ nocase
        $ps = /\b(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b[^\n|]{0,200}https?:\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b[^\n|]{0,200}\|[ \t]*(iex|invoke-expression)\b/ nocase
        $dl_exec = /\b(curl|wget)\b[^\n]{0,200}https?:\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b[^\n]{0,200}chmod[ \t]+(\+x|[0-7]?7[0-7][0-7]|u\+x|a\+x)[^\n]{0,200}(&&|;)[ \t]*(sudo[ \t]+)?(\.\/|\/tmp\/|\$TMPDIR|\$TMP|~\/|"\/tmp\/)/ nocase
        $local = /https?:\/\/(127\.|10\.|0\.0\.0\.0|192\.168\.|169\.254\.|172\.(1[6-9]|2[0-9]|3[01])\.)/ private
    condition:
        context != "minified" and (
            for any i in (1..#pipe) : (not for any j in (1..#local) : (@local[j] > @pipe[i] and @local[j] < @pipe[i] + !pipe[i])) or
            for any i in (1..#sub) : (not for any j in (1..#local) : (@local[j] > @sub[i] and @local[j] < @sub[i] + !sub[i])) or
            for any i in (1..#ps) : (not for any j in (1..#local) : (@local[j] > @ps[i] and @local[j] < @ps[i] + !ps[i])) or
            for any i in (1..#dl_exec) : (not for any j in (1..#local) : (@local[j] > @dl_exec[i] and @local[j] < @dl_exec[i] + !dl_exec[i]))
        )
}
