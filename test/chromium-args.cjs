/**
 * The flags every headless Chromium that Kiln's tests and benchmarks start runs with, kept in one
 * place so that what the end-to-end tests drive and what the benchmarks time is the same browser.
 *
 * - `--no-sandbox`: these machines run as root in a container, where Chromium's sandbox cannot start.
 * - `--disable-gpu`: there is no GPU; software rendering is what is measured.
 * - `--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup`: Chromium 156 (Debian's) opens its
 *   omnibox popup, a WebUI page (chrome://omnibox-popup.top-chrome, with the "AI mode" compose box)
 *   in a renderer of its own beside every page. In headless mode that renderer runs flat out for as
 *   long as the page lives: a trace of one 125k-node open in browser mode found it busy 1,365 ms of
 *   the open's 1,563 ms, half of this 2-core machine taken from the app being measured. No window
 *   shows that popup headless; Puppeteer turns both features off for the same reason
 *   (puppeteer/puppeteer#15278).
 */
exports.CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup'];
