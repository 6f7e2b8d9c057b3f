// Sends one file to POST /uploads (docs/design.md "Uploads"): the bytes as the body, with the
// header that a cross-site form cannot send; resolves to { id, name, bytes, sha256 }.
import { ApiError, operatorKey } from './gql.js';

export async function uploadFile(file) {
  const headers = { 'x-cardiac-uq-upload': '1', 'content-type': 'application/octet-stream' };
  const key = operatorKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`/uploads?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers,
    body: file,
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body?.errors?.[0];
    throw new ApiError(
      `${file.name}: ${error?.message ?? `upload answered HTTP ${response.status}`}`,
      error?.extensions?.code,
    );
  }
  return body;
}
