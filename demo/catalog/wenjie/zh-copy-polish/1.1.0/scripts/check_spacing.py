#!/usr/bin/env python3
"""check_spacing.py - 检查中英文混排中的空格和标点问题。

用法: check_spacing.py FILE [FILE ...]
每个问题输出一行: 文件:行号: 说明: 上下文
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


def check(path):
    problems = 0
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            for pattern, message in RULES:
                for m in pattern.finditer(line):
                    problems += 1
                    lo, hi = max(0, m.start() - 6), m.end() + 6
                    print("%s:%d: %s: %s" % (path, lineno, message, line[lo:hi].strip()))
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    total = sum(check(p) for p in sys.argv[1:])
    print("共 %d 处" % total, file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
