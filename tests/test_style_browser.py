"""examples/styled_board.py in Chromium: its style sheet lays the page out, style sets
the bars' widths, and classList shows the selected card (docs/howto/style.rst)."""

from __future__ import annotations

from conftest import load_example

from domsync import DomsyncServer
from domsync.testing import expect
from domsync.testing.chromium import chromium_page


async def test_the_board_is_laid_out_by_its_style_sheet(browser):
    board = load_example("styled_board")
    server = DomsyncServer(board.connection_handler, verbose=False, head=board.HEAD)
    async with chromium_page(browser, server) as page:
        await page.wait_for_selector(".card")
        layout = await page.evaluate("""() => {
            const root = document.getElementById('domsync_root_id');
            const style = getComputedStyle(root);
            return {display: style.display, columns: style.gridTemplateColumns.split(' ').length};
        }""")
        assert layout == {"display": "grid", "columns": 3}
        shares = await page.evaluate("""() => [...document.querySelectorAll('.meter')].map(
            meter => Math.round(100 * meter.querySelector('.fill').offsetWidth / meter.clientWidth))""")
        assert shares == [0, 10, 60, 100, 100]
        card = page.locator(".card", has_text="Test without a browser")
        assert await card.evaluate("el => getComputedStyle(el).outlineStyle") == "none"
        await card.click()
        await expect(card).to_have_class("card selected")  # the server's answer has arrived
        outline = await card.evaluate("el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineColor]")
        assert outline == ["solid", "rgb(0, 82, 204)"]
        await card.click()
        await expect(card).to_have_class("card")
        assert await card.evaluate("el => getComputedStyle(el).outlineStyle") == "none"
