/*
 * 50-injection.yar - text in SKILL.md that addresses the agent to override its
 * instructions or hide what it does. SKILL.md is what the agent reads as instructions;
 * a README or reference file quoting an attack is not. Prose view only (table rows are in
 * no view), and not right after a quotation mark: a defence skill lists the phrases it
 * looks for that way.
 */

rule prompt_injection
{
    meta:
        severity = "suspicious"
        description = "SKILL.md tells the agent to override its instructions or hide actions"
    strings:
        $ignore = /\b(ignore|disregard|forget)[ \t]+(all[ \t]+|any[ \t]+|the[ \t]+|your[ \t]+)?(previous|prior|earlier|above|system)[ \t]+(instructions|rules|guidelines|prompts?)\b/ nocase
        $sys = /\b(ignore|override|replace)[ \t]+(your|the)[ \t]+system[ \t]+prompt\b/ nocase
        $hide = /\b(do[ \t]+not|don't|never)[ \t]+(tell|inform|mention[ \t]+(this|it)[ \t]+to|reveal[ \t]+(this|it)[ \t]+to|let)[ \t]+the[ \t]+(user|human|owner|operator)\b/ nocase
        $secret = /\bwithout[ \t]+(the[ \t]+)?(user's|users'?|their|the[ \t]+user's|human's)[ \t]+(knowledge|consent)\b/ nocase
        $safety = /\b(disable|bypass|turn[ \t]+off|ignore)[ \t]+(all[ \t]+|your[ \t]+)?(safety|guardrails|security[ \t]+checks)\b/ nocase
        $noask = /\b(must|always|should)\b[^\n]{0,30}\b(run|execute)\b[^\n]{0,60}\bwithout[ \t]+(asking|confirmation|prompting|permission|approval)\b/ nocase
        $noconfirm = /\b(do[ \t]+not|don't|never)[ \t]+ask[ \t]+(the[ \t]+user[ \t]+)?(for[ \t]+(confirmation|permission|approval)|before[ \t]+(running|executing))\b/ nocase
        $quote = /("|'|\xe2\x80\x9c|\xe2\x80\x98)[ \t]?(ignore|disregard|forget|override|replace|do[ \t]+not|don't|never|without|disable|bypass|turn[ \t]+off|run|execute)\b/ nocase private
    condition:
        skill_md and context == "prose" and
        for any of ($ignore, $sys, $hide, $secret, $safety, $noask, $noconfirm) : (
            $ and not for any j in (1..#quote) : (@quote[j] >= @ - 4 and @quote[j] < @)
        )
}
