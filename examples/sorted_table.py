"""The repository form of TableComponent: placed under an element, rows in sort_order.

Run: python examples/sorted_table.py
"""

from domsync import Document
from domsync.components import TableComponent

doc = Document("domsync_root_id")
scores = TableComponent(doc.getRootElement(), {"name": "Player", "score": "Score"})
scores.addRow("kyle", ["Kyle", "9"], sort_order=-9)  # highest score first
scores.addRow("stan", ["Stan", "7"], sort_order=-7)
scores.addRow("eric", ["Eric", "3"], sort_order=-3)
doc.render_js_updates()  # a server would send this first batch to the browser

# Stan now has 12: his score cell changes and his row moves to the top.
scores.addOrUpdateRow("stan", [None, "12"], sort_order=-12)
print(doc.render_js_updates())
print(scores.getRowIds())

# Take the whole table out of the page.
scores.remove()
print(scores.has_been_removed(), doc.getRootElement().children)
