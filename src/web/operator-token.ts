/** Where the tab keeps the operator token (sessionStorage: this tab only, gone when it closes). */
const STORAGE_KEY = "flowpact.operatorToken";

/**
 * The operator token member actions need. `npm start` prints the dashboard URL with
 * `#token=…`: a fragment is never sent to a server nor written to its logs. The token is moved to
 * sessionStorage and taken out of the address bar (so it is not bookmarked or shared with a
 * screenshot); the other fragment parameters (`member=`) stay.
 */
export function takeOperatorToken(): string | undefined {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token) {
    sessionStorage.setItem(STORAGE_KEY, token);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
  }
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}
