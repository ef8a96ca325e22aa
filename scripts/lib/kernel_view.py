#!/usr/bin/env python3
# kernel_view.py - the engine of scripts/kernel_view.sh: a model source file
# with its model-only parts taken out, to be read or diffed beside the
# kernel function it follows.
#
# What goes:
#   - every variant site: variant(VS_...) is replaced by what the selected
#     variant makes it (fixed: false), the conditions are folded, and an
#     if/else chain that became constant keeps only the branch that runs;
#     a "bool x = <variant expression>;" becomes a constant for the rest of
#     the function (flush_rcu_sheaves_on_cache() is written that way);
#   - the one-line comment naming the commit or mutant above a site;
#   - model-only statements: calls of model_*() (a helper that stands for one
#     kernel statement, model_submit_rcu_sheaf_nobarn(), is printed as that
#     statement), vcpu_decision_point(),
#     vcpu_report(), vcpu_panic(), kvfree_stat_add(), assignments to model_*
#     fields, declarations initialised from a model_*() call that reads a
#     model_* field (with any if whose condition reads such a variable), and
#     an "if (model_tracing())" with its body;
#   - /* Model: ... */ comments (a Model: paragraph inside a longer comment);
#   - an if, for or while whose body became empty.
# The output keeps the model's formatting; -n prefixes each line with its
# line number in the model file, so that where.sh's FILE:LINE can be found.
#
# Not understood (left as they are): code that only a variant reaches but
# whose guard is a data condition rather than variant() itself (the
# "if (rcu_sheaf)" tail of __kfree_rcu_sheaf() after local_unlock(), which
# only M10 and M14 reach), and statements after a body on the same line.
import re
import sys

SITE = re.compile(r'\bvariant\(\s*(VS_[A-Z0-9_]+)\s*\)')
MODEL_STMT = re.compile(
    r'^\s*(model_\w+|__model_trace|vcpu_decision_point|vcpu_report|vcpu_panic|kvfree_stat_add)\s*\(')
MODEL_ASSIGN = re.compile(r'^\s*[A-Za-z_][\w\->.\[\]]*\bmodel_\w*\s*(\+\+|--|=[^=]|\+=|-=)')
MODEL_DECL = re.compile(r'^\s*(?:const\s+)?[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*=\s*model_\w+\s*\(.*(->|\.)model_')
# model helpers that stand for one kernel statement: printed as that statement
KERNEL_FORM = {
    'model_submit_rcu_sheaf_nobarn': 'call_rcu(&{0}->rcu_head, rcu_free_sheaf_nobarn);',
}
CONST_DECL = re.compile(r'^(\s*)bool\s+([A-Za-z_]\w*)\s*=\s*(.*);\s*(/\*.*\*/)?\s*$')
HEADER = re.compile(r'^(\s*)(if|for|while)\s*\(')
ELSE = re.compile(r'^(\s*)\}?\s*else\b')
VARIANT_ID = re.compile(r'\b(M\d+|H\d|F\d|f\d-fix|h\d-only|h2-assert|seed-v3|pre-seed|'
                        r'typesafe-slab-now|[0-9a-f]{12})\b')


def load_variant_sites(variant_c, name):
    """The set of VS_ names the variant (or '+'-joined variants) turns on."""
    text = open(variant_c).read()
    table = {}
    for m in re.finditer(r'\{\s*"([^"]+)",\s*([^,]*?),', text):
        table[m.group(1)] = set(re.findall(r'BIT\((VS_[A-Z0-9_]+)\)', m.group(2)))
    sites = set()
    for part in name.split('+'):
        if part not in table:
            raise KeyError(part)
        sites |= table[part]
    return sites


# ---------------------------------------------------------------- comments

def strip_comments(lines):
    """Drops Model: comments and Model: paragraphs; returns (lineno, text)."""
    out = []
    i = 0
    while i < len(lines):
        no, text = lines[i]
        # a trailing /* Model: ... */ on a code line
        m = re.search(r'\s*/\*\s*Model:.*?\*/\s*$', text)
        if m and text[:m.start()].strip():
            out.append((no, text[:m.start()]))
            i += 1
            continue
        s = text.strip()
        if s.startswith('/*'):
            j = i
            while '*/' not in lines[j][1] and j + 1 < len(lines):
                j += 1
            block = lines[i:j + 1]
            out.extend(strip_model_paragraphs(block))
            i = j + 1
            continue
        out.append((no, text))
        i += 1
    return out


def strip_model_paragraphs(block):
    body = [t for _, t in block]
    first = body[0].strip()
    if re.match(r'/\*\s*Model:', first):
        return []
    if len(block) == 1:
        return block
    kept = [block[0]]
    dropping = False
    for no, t in block[1:]:
        s = t.strip()
        if s.startswith('*/'):
            kept.append((no, t))
            break
        content = s[1:].strip() if s.startswith('*') else s
        if content.startswith('Model:'):
            dropping = True
        elif content == '':
            dropping = False
        if not dropping:
            kept.append((no, t))
    inner = [t for _, t in kept[1:-1] if t.strip() not in ('*', '')]
    if not inner and not kept[0][1].strip().rstrip('/*').strip():
        return []
    # a paragraph break left at the end
    while len(kept) > 2 and kept[-2][1].strip() == '*':
        del kept[-2]
    return kept


# ---------------------------------------------------------------- conditions

def split_top(expr, op):
    parts, depth, cur, i = [], 0, '', 0
    while i < len(expr):
        c = expr[i]
        if c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
        if depth == 0 and expr.startswith(op, i):
            parts.append(cur)
            cur = ''
            i += len(op)
            continue
        cur += c
        i += 1
    parts.append(cur)
    return [p.strip() for p in parts]


def fold(expr):
    """Folds 0/1 constants through !, && and ||; returns a string."""
    e = expr.strip()
    while e.startswith('(') and matching_paren(e, 0) == len(e) - 1:
        e = e[1:-1].strip()
    ors = split_top(e, '||')
    if len(ors) > 1:
        terms = [fold(t) for t in ors]
        if '1' in terms:
            return '1'
        terms = [t for t in terms if t != '0']
        if not terms:
            return '0'
        return ' || '.join(terms)
    ands = split_top(e, '&&')
    if len(ands) > 1:
        terms = [fold(t) for t in ands]
        if '0' in terms:
            return '0'
        terms = [t for t in terms if t != '1']
        if not terms:
            return '1'
        return ' && '.join(paren_if_or(t) for t in terms)
    if e.startswith('!'):
        inner = fold(e[1:])
        if inner in ('0', '1'):
            return '1' if inner == '0' else '0'
        return e
    m = re.match(r'^(likely|unlikely)\s*\((.*)\)$', e)
    if m and matching_paren(e, e.index('(')) == len(e) - 1:
        inner = fold(m.group(2))
        if inner in ('0', '1'):
            return inner
        return '%s(%s)' % (m.group(1), inner)
    return e


def paren_if_or(t):
    return '(%s)' % t if len(split_top(t, '||')) > 1 else t


def matching_paren(s, start):
    depth = 0
    for i in range(start, len(s)):
        if s[i] == '(':
            depth += 1
        elif s[i] == ')':
            depth -= 1
            if depth == 0:
                return i
    return -1


class View:
    def __init__(self, sites):
        self.sites = sites
        self.consts = {}
        self.model_vars = set()
        self.close_no = {}	# header line -> line of its closing brace

    def subst(self, text):
        text = SITE.sub(lambda m: '1' if m.group(1) in self.sites else '0', text)
        for name, val in self.consts.items():
            text = re.sub(r'\b%s\b' % re.escape(name), val, text)
        # a ternary on a constant
        text = re.sub(r'\b1\s*\?\s*([^:?]+?)\s*:\s*[^,;)]+', r'\1', text)
        text = re.sub(r'\b0\s*\?\s*[^:?]+?\s*:\s*([^,;)]+)', r'\1', text)
        return text

    # ------------------------------------------------------ statements

    def statement_end(self, lines, i):
        """Index of the last line of the simple statement starting at i."""
        depth = 0
        j = i
        while j < len(lines):
            t = code_part(lines[j][1])
            depth += t.count('(') - t.count(')')
            if depth <= 0 and t.rstrip().endswith(';'):
                return j
            j += 1
        return len(lines) - 1

    def header_end(self, lines, i):
        """Index of the line closing the parenthesis of an if/for/while."""
        depth = 0
        j = i
        while j < len(lines):
            t = code_part(lines[j][1])
            depth += t.count('(') - t.count(')')
            if depth <= 0:
                return j
            j += 1
        return len(lines) - 1

    def block_end(self, lines, i):
        """Index of the line holding the '}' that closes the '{' ending line i."""
        depth = 0
        j = i
        while j < len(lines):
            t = code_part(lines[j][1])
            if j == i:
                # "} else {": the brace that closes the previous branch
                t = re.sub(r'^\s*\}', '', t)
            for c in t:
                if c == '{':
                    depth += 1
                elif c == '}':
                    depth -= 1
                    if depth == 0:
                        return j
            j += 1
        return len(lines) - 1

    def parse_body(self, lines, k):
        """The body that starts at line k: (lines, end index, braced)."""
        t = code_part(lines[k][1]).strip()
        if HEADER.match(lines[k][1]):
            _, end = self.parse_chain(lines, k)
            return lines[k:end], end - 1, False
        if t == '{':
            e = self.block_end(lines, k)
            return lines[k:e + 1], e, True
        e = self.statement_end(lines, k)
        return lines[k:e + 1], e, False

    def parse_chain(self, lines, i):
        """An if/else chain (or a loop) at line i: (branches, next index).
        A branch is (keyword, condition, indent, body lines, braced, lineno)."""
        m = HEADER.match(lines[i][1])
        indent, kw = m.group(1), m.group(2)
        branches = []
        pending_comments = []
        j = i
        while True:
            h = self.header_end(lines, j)
            head = ' '.join(code_part(t).strip() for _, t in lines[j:h + 1])
            start = head.index('(')
            close = matching_paren(head, start)
            cond = head[start + 1:close]
            rest = head[close + 1:].strip()
            if rest == '{':
                e = self.block_end(lines, h)
                body = lines[h + 1:e]
                braced = True
                after = e
                self.close_no[lines[j][0]] = lines[e][0]
            elif rest == '':
                body, after, _ = self.parse_body(lines, h + 1)
                braced = False
            else:
                return None, i + 1
            branches.append((kw if not branches else 'else if', cond, indent,
                             pending_comments + list(body), braced, lines[j][0]))
            pending_comments = []
            if kw != 'if':
                return branches, after + 1
            # what follows: "} else ...", or "else ..." on the next line
            tail = code_part(lines[after][1]).strip() if braced else ''
            # comments between a body and its else: dropped if they name a
            # variant (a site's comment), else kept with the else
            k = after + 1
            while k < len(lines) and is_comment_only(lines[k][1]):
                k += 1
            between = lines[after + 1:k]
            if braced and tail.startswith('}') and 'else' in tail:
                nxt = after
                rest = tail[1:].strip()[len('else'):].strip()
                between = []
            elif k < len(lines) and code_part(lines[k][1]).strip().startswith('else'):
                nxt = k
                rest = code_part(lines[nxt][1]).strip()[len('else'):].strip()
                if VARIANT_ID.search(' '.join(t for _, t in between)):
                    between = []
            else:
                return branches, after + 1
            pending_comments.extend(between)
            if rest.startswith('if'):
                # re-read the "else if (...)" header as an if header
                lines = lines[:nxt] + [(lines[nxt][0], indent + rest)] + lines[nxt + 1:]
                j = nxt
                kw = 'if'
                continue
            if rest == '{':
                e = self.block_end(lines, nxt)
                self.close_no[lines[nxt][0]] = lines[e][0]
                branches.append(('else', None, indent, pending_comments + lines[nxt + 1:e], True,
                                 lines[nxt][0]))
                return branches, e + 1
            body, end, _ = self.parse_body(lines, nxt + 1)
            branches.append(('else', None, indent, pending_comments + list(body), False,
                             lines[nxt][0]))
            return branches, end + 1

    # ------------------------------------------------------ the walk

    def process(self, lines):
        out = []
        i = 0
        while i < len(lines):
            no, text = lines[i]
            code = code_part(text).strip()
            if re.match(r'^[A-Za-z_].*\)\s*$', text) or text.startswith('}'):
                # a new function (or its end): constants do not leak across
                self.consts = {}
                self.model_vars = set()
            if is_comment_only(text) and self.comment_names_site(lines, i):
                i = self.skip_comment(lines, i)
                continue
            m = CONST_DECL.match(text)
            if m and SITE.search(m.group(3)):
                val = fold(self.subst(m.group(3)))
                if val in ('0', '1'):
                    self.consts[m.group(2)] = val
                    i += 1
                    continue
            m = MODEL_DECL.match(text)
            if m:
                self.model_vars.add(m.group(1))
                i = self.statement_end(lines, i) + 1
                continue
            m = re.match(r'^(\s*)(model_\w+)\((.*)\);\s*$', text)
            if m and m.group(2) in KERNEL_FORM:
                out.append((no, m.group(1) + KERNEL_FORM[m.group(2)].format(m.group(3))))
                i += 1
                continue
            if MODEL_STMT.match(text) or MODEL_ASSIGN.match(text):
                i = self.statement_end(lines, i) + 1
                continue
            if HEADER.match(text) and not code.endswith(';'):
                branches, nxt = self.parse_chain(lines, i)
                if branches is None:
                    out.append(lines[i])
                    i += 1
                    continue
                out.extend(self.emit(branches, lines[i:nxt]))
                i = nxt
                continue
            if text.startswith('\t') and code and not is_comment_only(text) and \
                    not code.startswith('#') and code[-1] not in ';{}:':
                # a statement over several lines: its continuation lines
                # are not statements of their own
                end = self.statement_end(lines, i)
                for n2, t2 in lines[i:end + 1]:
                    out.append((n2, self.subst(t2) if SITE.search(t2) else t2))
                i = end + 1
                continue
            if SITE.search(text):
                text = self.subst(text)
            out.append((no, text))
            i += 1
        return out

    def comment_names_site(self, lines, i):
        """A comment right above a variant site (or a constant from one)."""
        j = i
        while j < len(lines) and '*/' not in lines[j][1]:
            j += 1
        if j + 1 >= len(lines):
            return False
        nxt = lines[j + 1][1]
        comment = ' '.join(t for _, t in lines[i:j + 1])
        if not VARIANT_ID.search(comment):
            return False
        if SITE.search(nxt):
            return True
        if is_comment_only(nxt) and SITE.search(' '.join(t for _, t in lines[j + 1:j + 3])):
            return True
        if (HEADER.match(nxt) or ELSE.match(nxt)) and any(
                re.search(r'\b%s\b' % n, nxt) for n in self.consts):
            return True
        return False

    def skip_comment(self, lines, i):
        j = i
        while j < len(lines) and '*/' not in lines[j][1]:
            j += 1
        return j + 1

    def emit(self, branches, original):
        kw0 = branches[0][0]
        changed = False
        kept = []
        for kw, cond, indent, body, braced, no in branches:
            if cond is not None:
                c = self.subst(cond)
                if c != cond or any(re.search(r'\b%s\b' % v, cond) for v in self.model_vars):
                    changed = True
                if any(re.search(r'\b%s\b' % v, cond) for v in self.model_vars) or \
                        re.match(r'^\s*model_tracing\s*\(\s*\)\s*$', cond):
                    c = '0'
                    changed = True
                c = fold(c) if kw0 == 'if' else c
            else:
                c = None
            new_body = self.process(list(body))
            if [t for _, t in new_body] != [t for _, t in body]:
                changed = True
            kept.append([kw, c, indent, new_body, braced, no])
        if not changed:
            return original
        if kw0 != 'if':
            kw, c, indent, body, braced, no = kept[0]
            if not [b for b in body if b[1].strip()]:
                return []
            return self.render([kept[0]], loop=kw)
        live = []
        for b in kept:
            c = b[1]
            if c == '0':
                continue
            if c == '1' or c is None:
                b[1] = None
                live.append(b)
                break
            live.append(b)
        if not live:
            return []
        if live[0][1] is None:
            return dedent(live[0][3])
        if not any(b[3] for b in live):
            return []
        return self.render(live)

    def render(self, branches, loop=None):
        out = []
        for idx, (kw, c, indent, body, braced, no) in enumerate(branches):
            last = idx == len(branches) - 1
            if loop:
                head = '%s%s (%s)' % (indent, loop, c)
            elif idx == 0:
                head = '%sif (%s)' % (indent, c)
            elif c is None:
                head = '%selse' % indent
            else:
                head = '%selse if (%s)' % (indent, c)
            if braced:
                if idx > 0 and branches[idx - 1][4]:
                    out[-1] = (out[-1][0], '%s} %s {' % (indent, head.strip()))
                else:
                    out.append((no, head + ' {'))
                out.extend(body)
                out.append((self.close_no.get(no, no), indent + '}'))
            else:
                if idx > 0 and branches[idx - 1][4]:
                    out[-1] = (out[-1][0], '%s} %s' % (indent, head.strip()))
                else:
                    out.append((no, head))
                out.extend(body if body else [(no, indent + '\t;')])
            if last:
                break
        return out


def dedent(body):
    out = []
    for no, t in body:
        out.append((no, t[1:] if t.startswith('\t') else t))
    return out


def code_part(text):
    """The line without its comments and string literals."""
    t = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    t = re.sub(r"'(\\.|[^'\\])'", "''", t)
    t = re.sub(r'/\*.*?\*/', '', t)
    t = re.sub(r'//.*$', '', t)
    if '/*' in t:
        t = t[:t.index('/*')]
    return t


def is_comment_only(text):
    s = text.strip()
    return s.startswith('/*') or s.startswith('*')


def trim_site_comment(lines):
    """'/* kernel words; M13 does ... */' above a site keeps the kernel words."""
    out = []
    for idx, (no, t) in enumerate(lines):
        m = re.match(r'^(\s*/\*\s*)(.*?);\s+(M\d+|H\d|F\d)\b.*\*/\s*$', t)
        if m and idx + 1 < len(lines) and SITE.search(lines[idx + 1][1]):
            out.append((no, '%s%s */' % (m.group(1), m.group(2))))
            continue
        out.append((no, t))
    return out


def function_range(lines, name):
    """The lines of the definition of @name (signature to closing brace)."""
    pat = re.compile(r'^[A-Za-z_].*\b%s\s*\(' % re.escape(name))
    for i, (_, t) in enumerate(lines):
        if not pat.match(t) or t.rstrip().endswith(';'):
            continue
        j = i
        while j < len(lines) and not lines[j][1].startswith('{') and \
                not lines[j][1].rstrip().endswith('{'):
            if lines[j][1].rstrip().endswith(';'):
                break
            j += 1
        if j >= len(lines) or lines[j][1].rstrip().endswith(';'):
            continue
        k = j
        while k < len(lines) and not lines[k][1].startswith('}'):
            k += 1
        # the comment block right above belongs to it
        s = i
        if s > 0 and lines[s - 1][1].strip().endswith('*/'):
            s -= 1
            while s > 0 and not lines[s][1].lstrip().startswith('/*'):
                s -= 1
        return lines[s:k + 1]
    return None


def main(argv):
    import argparse
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument('-n', action='store_true')
    p.add_argument('--function')
    p.add_argument('--variant', default='fixed')
    p.add_argument('--variant-table', required=True)
    p.add_argument('file')
    a = p.parse_args(argv)
    try:
        sites = load_variant_sites(a.variant_table, a.variant)
    except KeyError as e:
        sys.stderr.write('kernel_view.sh: unknown variant %s\n' % e)
        return 2
    with open(a.file) as f:
        lines = [(i + 1, t.rstrip('\n')) for i, t in enumerate(f)]
    if a.function:
        lines = function_range(lines, a.function)
        if lines is None:
            sys.stderr.write('kernel_view.sh: %s: no definition of %s\n' % (a.file, a.function))
            return 1
    lines = trim_site_comment(strip_comments(lines))
    out = View(sites).process(lines)
    # blank lines left by what was taken out: runs of them, and any right
    # after an opening brace or right before a closing one
    tidy = []
    for idx, (no, t) in enumerate(out):
        if not t.strip():
            if tidy and (not tidy[-1][1].strip() or tidy[-1][1].rstrip().endswith('{')):
                continue
            if idx + 1 < len(out) and out[idx + 1][1].strip().startswith('}'):
                continue
        tidy.append((no, t))
    for no, t in tidy:
        sys.stdout.write('%5d\t%s\n' % (no, t) if a.n else t + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
