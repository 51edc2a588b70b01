#!/usr/bin/env python3
"""check_spacing.py - 检查中英文混排中的空格和标点问题。

用法: check_spacing.py FILE [FILE ...]
每个问题输出一行: 文件:行号:列号: 说明: 上下文
Markdown 的代码块、行内代码、链接地址和网址不参与检查。
"""
import re
import sys

CJK = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
LATIN = "[A-Za-z0-9]"

RULES = [
    (re.compile(CJK + LATIN), "中文与英文或数字之间缺少空格"),
    (re.compile(LATIN + CJK), "英文或数字与中文之间缺少空格"),
    (re.compile(CJK + "[,;:!?]"), "中文后面使用了半角标点"),
    (re.compile("[，。；：！？、]" + r"[ \t]+" + "\\S"), "全角标点后多了空格"),
    (re.compile(r"\.\.\.|。。。"), "省略号应写作“……”"),
]

FENCE = re.compile(r"^\s*(```|~~~)")
# Spans that must not be checked. They are replaced by spaces of the same length,
# so reported columns still match the original line.
MASKS = [
    re.compile(r"`[^`]*`"),                 # inline code
    re.compile(r"\]\([^)]*\)"),             # link target of [text](target)
    re.compile(r"<[^>\s]+>"),               # autolinks and HTML tags
    re.compile(r"https?://\S+|www\.\S+"),  # bare URLs
]


def masked(line):
    for pattern in MASKS:
        line = pattern.sub(lambda m: " " * len(m.group(0)), line)
    return line


def check(path):
    problems = 0
    in_fence = False
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            text = masked(line)
            for pattern, message in RULES:
                for m in pattern.finditer(text):
                    problems += 1
                    lo, hi = max(0, m.start() - 6), m.end() + 6
                    print("%s:%d:%d: %s: %s"
                          % (path, lineno, m.start() + 1, message, line[lo:hi].strip()))
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    total = sum(check(p) for p in sys.argv[1:])
    print("共 %d 处" % total, file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
