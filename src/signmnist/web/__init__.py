"""The browser code, in one place: the server's page (`server.html`), the offline page (`index.html`,
`app.mjs`) and the modules both load, the JavaScript packages they pin (`package.json`, `package-lock.json`,
installed with `npm ci` into `node_modules/`), and the builder of the offline site (`site.py`).

Constants the pages share with Python (the hand's bones, the speller's and the decoder's settings, the hand
search's) are never written in JavaScript: `config.page_config()` reads them from where Python defines them,
`site.py` writes them into the offline page's `model.json`, and the server answers the same at `/page.json`.
"""
