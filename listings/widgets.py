"""The search form's widgets rendered in Python: the same HTML as Django's widget templates, without a
template render per input and per option (the filter form has some 60 of them on every search).

`SearchFormRenderer.render` writes out the templates below exactly as Django's
django/forms/widgets/*.html would (tests/test_search_form_render.py compares the two on many
inputs); any other template goes to Django's own renderer.
"""

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

W = "django/forms/widgets/"
# Templates that are `{% include "<inner>" %}` plus a newline.
_WRAPPERS = {
    W + "text.html": W + "input.html",
    W + "number.html": W + "input.html",
    W + "search.html": W + "input.html",
    W + "checkbox.html": W + "input.html",
    W + "checkbox_select.html": W + "multiple_input.html",
    W + "checkbox_option.html": W + "input_option.html",
}


def _attrs(attrs: dict[str, Any]) -> str:
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


def _render(template_name: str, widget: dict[str, Any]) -> str | None:
    """The template's output for this widget context, or None if it is not one of ours."""
    e = conditional_escape
    if template_name in _WRAPPERS:
        inner = _render(_WRAPPERS[template_name], widget)
        return None if inner is None else inner + "\n"
    if template_name == W + "input.html":
        value = "" if widget["value"] is None else f' value="{e(str(widget["value"]))}"'
        return f'<input type="{e(widget["type"])}" name="{e(widget["name"])}"{value}{_attrs(widget["attrs"])}>\n'
    if template_name == W + "select_option.html":
        return f'<option value="{e(str(widget["value"]))}"{_attrs(widget["attrs"])}>{e(widget["label"])}</option>\n'
    if template_name == W + "input_option.html":
        inner = _render(W + "input.html", widget)
        if not widget.get("wrap_label"):
            return f"{inner}\n"
        label_for = f' for="{e(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
        return f"<label{label_for}>{inner} {e(widget['label'])}</label>\n"
    if template_name == W + "select.html":
        parts = [f'<select name="{e(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{e(group_name)}">')
            for option in group_choices:
                html = _render(option["template_name"], option)
                if html is None:
                    return None
                parts.append(f"\n  {html}")
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return "".join(parts)
    if template_name == W + "multiple_input.html":
        attrs = widget["attrs"]
        parts = ["<div"]
        if attrs.get("id"):
            parts.append(f' id="{e(attrs["id"])}"')
        if attrs.get("class"):
            parts.append(f' class="{e(attrs["class"])}"')
        parts.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{e(group)}</label>")
            for option in options:
                html = _render(option["template_name"], option)
                if html is None:
                    return None
                parts.append(f"<div>\n    {html}</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>\n")
        return "".join(parts)
    return None


class SearchFormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        html = _render(template_name, widget) if isinstance(widget, dict) else None
        return super().render(template_name, context, request) if html is None else html.strip()  # as Django's
