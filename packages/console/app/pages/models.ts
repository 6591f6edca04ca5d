import { api } from '../api.js';
import { el, errorBox, plainTable } from '../dom.js';

const MLFLOW = '/ajax-api/2.0/mlflow';
const when = (ms: unknown) => (ms === undefined || ms === null ? '' : new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19));
const tagsText = (tags: any[] | undefined) => (tags ?? []).map((t) => `${t.key}=${t.value}`).join(', ');
const chips = (names: string[], test: string) => el('span', { 'data-test': test }, ...names.map((n) => el('span', { class: 'chip' }, n)));

/** One registered model: description, tags, aliases, then every version with stage, aliases, tags and run. */
async function modelDetail(box: HTMLElement, name: string): Promise<void> {
  box.replaceChildren(el('span', { class: 'muted' }, 'loading…'));
  const [{ registered_model: m }, { model_versions: versions = [] }] = await Promise.all([
    api('GET', `${MLFLOW}/registered-models/get?name=${encodeURIComponent(name)}`),
    api('GET', `${MLFLOW}/model-versions/search?filter=${encodeURIComponent(`name = '${name.replaceAll("'", "\\'")}'`)}&order_by=${encodeURIComponent('version_number DESC')}`),
  ]);
  const aliases: { alias: string; version: string }[] = m.aliases ?? [];
  box.replaceChildren(
    el('h2', { 'data-test': 'model-name' }, m.name),
    el('p', { class: 'muted' }, `created ${when(m.creation_timestamp)} · updated ${when(m.last_updated_timestamp)} · ${versions.length} version${versions.length === 1 ? '' : 's'}`),
    ...(m.description ? [el('p', {}, m.description)] : []),
    el('h3', {}, 'Aliases'),
    aliases.length === 0 ? el('p', { class: 'muted' }, 'No aliases.') : plainTable(['alias', 'version'], aliases.map((a) => [a.alias, String(a.version)])),
    el('h3', {}, 'Tags'),
    (m.tags ?? []).length === 0 ? el('p', { class: 'muted' }, 'No tags.') : plainTable(['key', 'value'], m.tags.map((t: any) => [t.key, t.value])),
    el('h3', {}, 'Versions'),
    el('div', { 'data-test': 'model-versions' }, plainTable(['version', 'stage', 'aliases', 'tags', 'status', 'run', 'source', 'created'], versions.map((v: any) => [
      el('span', { 'data-test': `version-${v.version}` }, String(v.version)),
      el('span', { class: `stage stage-${String(v.current_stage).toLowerCase()}`, 'data-test': `stage-${v.version}` }, v.current_stage),
      chips(v.aliases ?? [], `aliases-${v.version}`),
      el('span', { 'data-test': `tags-${v.version}` }, tagsText(v.tags)),
      v.status ?? '',
      v.run_id ?? '',
      el('code', {}, v.source ?? ''),
      when(v.creation_timestamp),
    ]))),
  );
}

/** The model registry: registered models (latest version per stage, aliases), and one model's versions. */
export async function modelsPage(root: HTMLElement, selected?: string): Promise<void> {
  const nav = el('div', { class: 'list panel', 'data-test': 'models-list' });
  const detail = el('div', { class: 'panel' });
  root.replaceChildren(el('div', { class: 'split' }, nav, detail));
  try {
    const { registered_models: models = [] } = await api('GET', `${MLFLOW}/registered-models/search?max_results=1000`);
    nav.append(el('h3', {}, 'Registered models'));
    if (models.length === 0) nav.append(el('span', { class: 'muted' }, 'No registered models.'));
    for (const m of models) nav.append(el('a', { href: `#/models/${encodeURIComponent(m.name)}`, class: m.name === selected ? 'active' : '', 'data-test': `model-${m.name}` }, m.name));
    if (!selected) {
      detail.replaceChildren(el('h2', {}, 'Model registry'), plainTable(['model', 'latest versions', 'aliases', 'updated'], models.map((m: any) => [
        el('a', { href: `#/models/${encodeURIComponent(m.name)}` }, m.name),
        (m.latest_versions ?? []).map((v: any) => `v${v.version} ${v.current_stage}`).join(', '),
        (m.aliases ?? []).map((a: any) => `@${a.alias} → v${a.version}`).join(', '),
        when(m.last_updated_timestamp),
      ])));
      return;
    }
  } catch (e) {
    nav.replaceChildren(errorBox(e));
  }
  if (selected) await modelDetail(detail, selected).catch((e) => detail.replaceChildren(errorBox(e)));
}
