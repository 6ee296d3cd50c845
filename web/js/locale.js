// The page's language tag for Intl: navigator.language when the browser reports a valid BCP 47
// tag, else "en". Some browsers report what the system locale is called instead (WebKitGTK
// under a C locale says "C"), and `new Intl.NumberFormat("C")` throws a RangeError; libraries
// that format numbers when they load (uPlot) would then fail. Imported first by main.js, this
// module replaces such a value on `navigator` itself, so every later reader gets a valid tag.

function isValidTag(tag) {
  try {
    return typeof tag === "string" && Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export const pageLocale = isValidTag(navigator.language) ? navigator.language : "en";

if (pageLocale !== navigator.language) {
  try {
    Object.defineProperty(navigator, "language", { get: () => pageLocale, configurable: true });
    const languages = (navigator.languages || []).filter(isValidTag);
    Object.defineProperty(navigator, "languages", { get: () => (languages.length ? languages : [pageLocale]), configurable: true });
  } catch {
    // a browser that refuses: libraries will see the original value; the page still starts
  }
}
