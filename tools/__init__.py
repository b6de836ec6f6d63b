"The project's own tools: the site build (`tools.site`), the checks `make test` runs, the browser check, the README."
