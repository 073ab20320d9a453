"""The Python API article's reference parts (vignettes/articles/python-api.Rmd),
made from the docstrings of kerasoptim's public names (`kerasoptim.__all__`)
with pdoc's reader (the same docstring conversion as pdoc's own pages).

    render("classes" | "factories" | "arguments" | "methods") -> HTML

Shown: the public names and the public methods kerasoptim defines; not
shown: what the classes inherit from Keras (keras.optimizers.Optimizer has
its own reference) and the private mixin behind the TF2 methods. The
`Args:` sections of the eight optimizers and factories repeat one text per
argument; it is shown once, under "Arguments", and an entry shows only the
arguments whose text differs from it. Warnings that pdoc raises while
reading are errors here (the site build fails on them).
"""

import html
import inspect
import re
import warnings

import pdoc.doc
import pdoc.docstrings
import pdoc.render_helpers

import kerasoptim

CLASSES = ["Adam", "AdamW", "Adamax", "LazyAdam"]
FACTORIES = ["optimizer_adam", "optimizer_adam_w", "optimizer_adamax",
             "optimizer_lazy_adam"]
# Keras' hooks a subclass overrides: Keras' reference documents them.
KERAS_HOOKS = {"build", "update_step", "apply", "get_config", "from_config",
               "add_variable_from_reference"}


def _module():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pdoc warning stops the build
        return pdoc.doc.Module(kerasoptim)


def _split_args(docstring):
    """(text before `Args:`, {argument: text}) of a Google-style docstring."""
    head, sep, rest = docstring.partition("\nArgs:\n")
    args = {}
    if sep:
        name = None
        for line in rest.splitlines():
            if line and not line.startswith(" "):
                break  # the next section
            found = re.match(r"    (\*{0,2}\w+):\s?(.*)", line)
            if found:
                name = found.group(1)
                args[name] = found.group(2).strip()
            elif name and line.strip():
                args[name] += " " + line.strip()
    return head.strip(), args


def _html(markdown_text):
    converted = pdoc.docstrings.convert(markdown_text, "google", None)
    out = str(pdoc.render_helpers.to_html(converted))
    # `kerasoptim.Name` and `Name` of a public name link to its entry.
    names = "|".join(sorted(kerasoptim.__all__, key=len, reverse=True))
    return re.sub(rf"<code>(kerasoptim\.)?({names})(\(\))?</code>",
                  r'<a href="#\2"><code>\1\2\3</code></a>', out)


def _signature(prefix, name, obj):
    sig = inspect.signature(obj)
    sig = sig.replace(parameters=[p for p in sig.parameters.values()
                                  if p.name != "self"])
    text = re.sub(r"DefaultName\('(\w+)'\)", r"'\1'", str(sig))
    return (f'<div class="signature">{html.escape(prefix)}<span class="name">'
            f"{html.escape(name)}</span>{html.escape(text)}</div>")


def _all_args(module):
    return {n: _split_args(module.get(n).docstring)[1]
            for n in CLASSES + FACTORIES}


def shared_args(module):
    """{argument: text}: each argument's most common text among the classes
    and factories (an entry lists the arguments it words otherwise)."""
    per_name = {}
    for args in _all_args(module).values():
        for arg, text in args.items():
            per_name.setdefault(arg, []).append(text)
    return {arg: max(texts, key=texts.count)
            for arg, texts in per_name.items()}


def _own_args(args, shared):
    rows = [(a, t) for a, t in args.items() if shared.get(a) != t]
    if not rows:
        return ('<p class="args-note">Arguments: as listed under '
                '<a href="#arguments">Arguments</a>.</p>')
    items = "".join(f"<dt>{html.escape(a)}</dt><dd>{_html(t)}</dd>"
                    for a, t in rows)
    return ('<p class="args-note">Arguments: as listed under '
            '<a href="#arguments">Arguments</a>, except:</p>'
            f'<dl class="args">{items}</dl>')


def _entry(module, name, shared):
    doc = module.get(name)
    head, args = _split_args(doc.docstring)
    if doc.kind == "class":
        sig = _signature("class kerasoptim.", name, doc.obj)
        base = doc.obj.__mro__[1].__name__
        bases = (f'<p class="bases">A <a href="#{base}"><code>kerasoptim.'
                 f"{base}</code></a>, so a <code>keras.optimizers.Optimizer"
                 "</code>.</p>")
    else:
        sig = _signature("kerasoptim.", name, doc.obj)
        bases = ""
    return (f'<div class="member" id="{name}"><h3>{name}</h3>{sig}{bases}'
            f"{_html(head)}{_own_args(args, shared)}</div>")


def _methods(module):
    """[(class, method doc)]: public methods and properties kerasoptim
    defines (its own modules), each once, under the first public class that
    has it."""
    seen, found = set(), []
    for cls in ["AdamFamily", *CLASSES]:
        for name, member in module.get(cls).members.items():
            origin = member.taken_from
            if (name.startswith("_") or name in KERAS_HOOKS
                    or not origin[0].startswith("kerasoptim")
                    or not member.docstring or origin in seen):
                continue
            seen.add(origin)
            found.append((cls, member))
    return found


def render(part):
    return f'<div class="pyapi">{_render(part)}</div>'


def _render(part):
    module = _module()
    shared = shared_args(module)
    if part == "classes":
        return "\n".join(_entry(module, n, shared) for n in CLASSES)
    if part == "factories":
        return "\n".join(_entry(module, n, shared) for n in FACTORIES)
    if part == "arguments":
        items = "".join(f'<dt id="arg-{html.escape(a.strip("*"))}">'
                        f"{html.escape(a)}</dt><dd>{_html(t)}</dd>"
                        for a, t in shared.items())
        return f'<dl class="args">{items}</dl>'
    if part == "methods":
        family = module.get("AdamFamily")
        out = [f'<div class="member" id="AdamFamily"><h3>AdamFamily</h3>'
               f'{_html(family.docstring)}<p>Every kerasoptim optimizer is '
               "one, and a <code>keras.optimizers.Optimizer</code>: Keras' "
               "methods (<code>apply()</code>, <code>build()</code>, "
               "<code>get_config()</code>, <code>variables</code>, ...) work "
               "as Keras documents them. kerasoptim adds:</p></div>"]
        for cls, member in _methods(module):
            if member.kind == "function":
                sig = _signature(f"{cls}.", member.name, member.obj)
            else:
                sig = (f'<div class="signature">{cls}.<span class="name">'
                       f"{member.name}</span> (property)</div>")
            out.append(f'<div class="method" id="{cls}.{member.name}">'
                       f"{sig}{_html(member.docstring)}</div>")
        return "\n".join(out)
    raise ValueError(f"no part {part!r}")
