/** Query/body parameters that carry credentials; their values never reach a log or an error. */
const SECRET_PARAMS = ['corpsecret', 'access_token', 'code', 'user_ticket', 'secret'];
const SECRET_PARAM_PATTERN = new RegExp(`((?:^|[?&"\\s])(?:${SECRET_PARAMS.join('|')})["']?\\s*[=:]\\s*["']?)[^&"'\\s,}]+`, 'gi');

/** Masks credential parameters in a URL, query string or JSON text, and any known secret value anywhere. */
export function redactSecrets(text: string, knownSecrets: ReadonlyArray<string | null | undefined> = []): string {
  let out = text.replace(SECRET_PARAM_PATTERN, '$1***');
  for (const secret of knownSecrets) {
    if (secret && secret.length >= 6) out = out.split(secret).join('***');
  }
  return out;
}
