/*
 * Figures and dates in scripts, in the page's language: the same rules as the server's template
 * filters (crm/common/formats.py). The locale comes from <html data-format-locale> ("nb", "en-GB"),
 * falling back to <html lang>.
 *
 *   KbFormat.number(40.5, 1)   "40,5"      KbFormat.percent(0.125, 1)  "12,5 %"
 *   KbFormat.date("2026-05-01") "1. mai 2026"
 */
(function () {
  "use strict";
  var root = document.documentElement;
  var locale = root.dataset.formatLocale || root.lang || "nb";

  function number(value, digits) {
    if (value === null || value === undefined || value === "") return "–";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: digits || 0 }).format(Number(value));
  }

  function percent(value, digits) {
    if (value === null || value === undefined || value === "") return "–";
    return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits || 0 }).format(Number(value));
  }

  function date(value) {
    if (!value) return "–";
    // An ISO day ("2026-05-01") is a calendar day, not midnight UTC.
    var day = typeof value === "string" && value.length === 10 ? new Date(value + "T12:00:00") : new Date(value);
    return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" }).format(day);
  }

  window.KbFormat = { locale: locale, number: number, percent: percent, date: date };
})();
