"""What the Document records and renders: only changes, coalesced, in order."""

from domsync import Document


def rendered(doc: Document) -> list[str]:
    return [line for line in doc.render_js_updates().splitlines() if line]


def fresh() -> tuple[Document, object]:
    doc = Document("app")
    doc.render_js_updates()  # the R("app") preamble
    return doc, doc.getRootElement()


def test_the_first_render_binds_the_root():
    assert rendered(Document("app")) == ['R("app");']


def test_an_element_built_before_attaching_goes_out_as_one_statement():
    doc, root = fresh()
    ul = doc.createElement("ul")
    for i in range(3):
        ul.appendChild(doc.createElement("li", innerText=f"item {i}"))
    root.appendChild(ul)
    (line,) = rendered(doc)
    assert line.startswith("N(0).appendChild(E(-1,\"ul\"") and line.count("E(") == 4


def test_consecutive_appends_to_one_parent_are_grouped():
    doc, root = fresh()
    for i in range(5):
        root.appendChild(doc.createElement("p", innerText=str(i)))
    (line,) = rendered(doc)
    assert line.startswith("N(0).append(") and line.count("E(") == 5


def test_a_batch_of_5000_elements_costs_under_80_bytes_each():
    doc, root = fresh()
    for i in range(5000):
        el = doc.createElement("div")
        el.innerText = f"item {i}"
        root.appendChild(el)
    assert len(doc.render_js_updates().encode()) / 5000 <= 80


def test_setting_a_value_again_records_nothing():
    doc, root = fresh()
    p = doc.createElement("p", innerText="x", attributes={"title": "t"})
    root.appendChild(p)
    doc.render_js_updates()
    p.innerText = "x"
    p.textContent = "x"
    p.setAttribute("title", "t")
    p.classList.add()
    assert rendered(doc) == []


def test_a_thousand_changes_to_one_property_render_one_statement():
    doc, root = fresh()
    p = doc.createElement("p")
    root.appendChild(p)
    doc.render_js_updates()
    for i in range(1000):
        p.innerText = f"tick {i}"
        p.setAttribute("data-n", str(i))
    assert sorted(rendered(doc)) == ['N(1).setAttribute("data-n","999");', 'N(1).textContent="tick 999";']


def test_a_later_text_change_wins_over_children_appended_in_between():
    doc, root = fresh()
    p = doc.createElement("p")
    root.appendChild(p)
    doc.render_js_updates()
    p.innerText = "a"
    p.appendChild(doc.createElement("b"))
    p.innerText = "c"
    lines = rendered(doc)
    assert lines[-1] == 'N(1).textContent="c";'
    assert p.innerHTML == "c"


def test_work_on_an_element_created_and_removed_in_one_batch_is_dropped():
    doc, root = fresh()
    keep = doc.createElement("p", id="keep")
    root.appendChild(keep)
    doc.render_js_updates()
    tmp = doc.createElement("div")
    root.appendChild(tmp)
    tmp.setAttribute("class", "x")
    tmp.innerText = "a\nb"
    tmp.remove()
    assert rendered(doc) == []


def test_an_element_created_in_a_batch_and_still_needed_is_kept():
    doc, root = fresh()
    a = doc.createElement("div", id="a")
    root.appendChild(a)
    inner = doc.createElement("span", id="inner")
    a.appendChild(inner)
    root.appendChild(inner)  # moved out before a goes away
    a.remove()
    doc.render_js_updates()
    assert root.innerHTML == '<span id="inner"></span>'
    assert inner._flags & 1  # the browser holds it


def test_removed_elements_are_forgotten_and_rebuilt_when_attached_again():
    doc, root = fresh()
    p = doc.createElement("p", innerText="x")
    root.appendChild(p)
    doc.render_js_updates()
    p.remove()
    assert rendered(doc) == ["N(1).remove();", "F(1);"]
    p.innerText = "changed while away"
    assert rendered(doc) == []
    root.appendChild(p)
    (line,) = rendered(doc)
    assert line == 'N(0).appendChild(E(-1,"p",0,"changed while away"));'


def test_superseded_innerHTML_is_dropped_when_its_elements_were_never_used():
    doc, root = fresh()
    root.innerHTML = "<p id=a>1</p>"
    root.innerHTML = "<p id=a>2</p>"
    lines = rendered(doc)
    assert len(lines) == 1 and '"2"' in lines[0]


def test_superseded_innerHTML_is_kept_when_its_elements_moved_elsewhere():
    doc, root = fresh()
    box = doc.createElement("div", id="box")
    root.appendChild(box)
    doc.render_js_updates()
    box.innerHTML = "<i id=i>x</i>"
    root.appendChild(doc.getElementById("i"))
    box.innerHTML = "<b>y</b>"
    js = doc.render_js_updates()
    assert js.count("replaceChildren") == 2
    assert root.innerHTML == '<div id="box"><b>y</b></div><i id="i">x</i>'


def test_render_js_full_rebuilds_the_page_without_consuming_updates():
    doc, root = fresh()
    root.setAttribute("class", "app")
    root.appendChild(doc.createElement("p", innerText="hi", value="v"))
    full = doc.render_js_full()
    assert full.startswith('R("app");\nN(0).setAttribute("class","app");\nN(0).appendChild(E(-1,"p"')
    assert doc.has_updates()
    assert "E(-1" in doc.render_js_updates()
    assert doc.render_js_full() == full


def test_render_js_full_includes_listeners_and_values():
    doc, root = fresh()
    box = doc.createElement("input", value="typed")
    box.addEventListener("input", lambda e: None, js_value_getter="this.value")
    root.appendChild(box)
    assert '{"value":"typed","on":["input","this.value"]}' in doc.render_js_full()


def test_events_for_removed_elements_are_dropped(caplog):
    doc, root = fresh()
    seen = []
    button = doc.createElement("button")
    button.addEventListener("click", seen.append)
    root.appendChild(button)
    doc.render_js_updates()
    assert doc.handle_event({"domsync": True, "event": "click", "id": button._key, "value": None}) is None
    assert len(seen) == 1 and seen[0]["element"] is button
    button.remove()
    doc.render_js_updates()
    assert doc.handle_event({"domsync": True, "event": "click", "id": button._key, "value": None}) is None
    assert len(seen) == 1
    assert "unknown or removed" in caplog.text


def test_a_value_from_the_browser_cancels_a_pending_value_of_ours():
    doc, root = fresh()
    box = doc.createElement("input")
    box.addEventListener("input", lambda e: None)
    root.appendChild(box)
    doc.render_js_updates()
    box.value = "from server"
    doc.handle_event({"domsync": True, "event": "input", "id": box._key, "value": None,
                      "state": {"value": "typed"}})
    assert box.value == "typed"
    assert rendered(doc) == []


def test_absurd_messages_are_logged_briefly_and_never_raise(caplog):
    doc, root = fresh()
    deep = []
    for _ in range(5000):
        deep = [deep]
    for msg in ({"domsync": True, "event": "click", "id": deep}, deep, {"event": deep, "id": 1},
                {"domsync": True, "event": "x\n[CRITICAL] forged", "id": 1}):
        assert doc.handle_event(msg) is None
    assert "\n[CRITICAL]" not in caplog.text
    assert max(len(line) for line in caplog.text.splitlines()) < 400


def test_form_state_syncs_are_checked_and_logged(caplog):
    doc, root = fresh()
    box = doc.createElement("input")
    root.appendChild(box)
    doc.render_js_updates()
    for bad in ({"id": box._key}, {"id": "x", "state": {}}, {"id": 99999, "state": {"value": "v"}},
                ["not", "a", "dict"], {"id": box._key, "state": "no"}):
        doc.handle_sync(bad)
    assert box.value is None
    doc.handle_sync({"domsync": True, "type": "sync", "id": box._key, "state": {"value": 5}})
    assert box.value is None  # wrong type: ignored
    doc.handle_sync({"domsync": True, "type": "sync", "id": box._key, "state": {"value": "ok"}, "seq": 1})
    assert box.value == "ok" and rendered(doc) == []
    assert "unknown or removed element" in caplog.text
