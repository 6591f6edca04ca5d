import { api, fetchBytes } from '../api.js';
import { el, errorBox, formatBytes } from '../dom.js';

const MLFLOW = '/ajax-api/2.0/mlflow';
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml', bmp: 'image/bmp' };
/** Larger text files are cut: a preview, not a download. */
const TEXT_LIMIT = 512 * 1024;

interface FileInfo {
  readonly path: string;
  readonly is_dir: boolean;
  readonly file_size?: number;
}

/** `mlflow-artifacts:/1/<run>/artifacts` → the proxied artifact service's URL for `path` under it. */
function downloadUrl(rootUri: string, path: string): string {
  const m = /^mlflow-artifacts:\/*(.*)$/.exec(rootUri);
  if (!m) throw new Error(`artifacts at '${rootUri}' are not served by this server (only mlflow-artifacts:/ URIs are)`);
  const rel = [...m[1].split('/'), ...path.split('/')].filter((s) => s !== '');
  return `/ajax-api/2.0/mlflow-artifacts/artifacts/${rel.map(encodeURIComponent).join('/')}`;
}

const extension = (path: string) => /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';

/**
 * An artifact shown inline: an image as an image, JSON pretty-printed, other UTF-8 text as text.
 * Bytes that do not decode as text are described, not dumped.
 */
async function preview(rootUri: string, file: FileInfo): Promise<HTMLElement> {
  const bytes = await fetchBytes(downloadUrl(rootUri, file.path));
  const ext = extension(file.path);
  const head = el('h4', {}, `${file.path} · ${formatBytes(bytes.byteLength)}`);
  if (IMAGE_TYPES[ext]) {
    const url = URL.createObjectURL(new Blob([bytes], { type: IMAGE_TYPES[ext] }));
    const img = el('img', { src: url, alt: file.path, class: 'artifact-image', 'data-test': 'artifact-image' });
    return el('div', { 'data-test': 'artifact-view', 'data-kind': 'image' }, head, img);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.byteLength > TEXT_LIMIT ? bytes.slice(0, TEXT_LIMIT) : bytes);
  } catch {
    return el('div', { 'data-test': 'artifact-view', 'data-kind': 'binary' }, head, el('p', { class: 'muted' }, 'A binary file: not shown.'));
  }
  let kind = 'text';
  if (ext === 'json' && bytes.byteLength <= TEXT_LIMIT) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
      kind = 'json';
    } catch {
      // Not valid JSON after all: shown as the text it is.
    }
  }
  const cut = bytes.byteLength > TEXT_LIMIT ? el('p', { class: 'muted' }, `Only the first ${formatBytes(TEXT_LIMIT)} are shown.`) : null;
  return el('div', { 'data-test': 'artifact-view', 'data-kind': kind }, head, el('pre', { class: 'artifact-text', 'data-test': 'artifact-text' }, text), cut);
}

/** A run's artifacts as a tree (directories open on click); a file's content shows beside it. */
export async function artifactBrowser(runId: string): Promise<HTMLElement> {
  const view = el('div', { class: 'artifact-pane' }, el('p', { class: 'muted' }, 'Choose a file.'));
  const listing = async (path: string): Promise<{ root: string; files: FileInfo[] }> => {
    const r = await api('GET', `${MLFLOW}/artifacts/list?run_id=${encodeURIComponent(runId)}${path ? `&path=${encodeURIComponent(path)}` : ''}`);
    return { root: r.root_uri, files: r.files ?? [] };
  };
  const level = (root: string, files: FileInfo[]): HTMLElement => el('ul', { class: 'tree' }, ...files.map((f) => {
    const name = f.path.split('/').pop() ?? f.path;
    const item = el('li');
    const open = async () => {
      if (f.is_dir) {
        if (item.querySelector('ul')) return item.querySelector('ul')!.remove();
        const sub = await listing(f.path);
        item.append(level(root, sub.files));
        return;
      }
      view.replaceChildren(el('span', { class: 'muted' }, 'loading…'));
      view.replaceChildren(await preview(root, f));
    };
    item.append(el('a', { href: 'javascript:void 0', 'data-test': `artifact-${f.path}`, onclick: () => void open().catch((e) => view.replaceChildren(errorBox(e))) }, f.is_dir ? `${name}/` : name), f.is_dir ? '' : el('span', { class: 'muted' }, ` ${formatBytes(f.file_size ?? 0)}`));
    return item;
  }));
  const { root, files } = await listing('');
  const tree = files.length === 0 ? el('p', { class: 'muted' }, 'This run has no artifacts.') : level(root, files);
  return el('div', { 'data-test': 'artifacts' }, el('h3', {}, 'Artifacts'), el('div', { class: 'artifacts' }, el('div', {}, tree), view));
}
