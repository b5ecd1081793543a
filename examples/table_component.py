"""The TableComponent of domsync 0.1.2: update a table cell by cell.

Run: python examples/table_component.py
"""

from domsync import Document
from domsync.components import TableComponent

doc = Document("domsync_root_id")
table = TableComponent(doc, "domsync_root_id", ["Name", "Age", "Birthday", "Hair"], id="southpark")
table.addRow("kyle", ["Kyle Broflovski", "10", "May 26", "brown"])
table.addRow("eric", ["Eric Cartman", "10", "July 1", "brown"])
table.addRow("kenny", ["Kenny McCormick", "10", "March 22", "blond"])
doc.render_js_updates()  # a server would send this first batch to the browser

# Correct two mistakes: the next batch is just two statements.
table.updateCell("kyle", "Hair", "red")
table.updateCell("kenny", "Age", "9")
print(doc.render_js_updates())
print(table.getRowIds())
