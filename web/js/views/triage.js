// Triage (docs/design.md "Dashboard" → Triage): upload NIfTI scans and import them (POST /uploads,
// then importUpload), segment a dataset with uncertainty (startInference: model, dataset, T, an
// optional QC policy), then work the queue — flagged slices first — accepting segmentations or
// uploading a corrected label per subject (acceptReview, correctLabel), and download the results.
// Run progress is live (the runProgress subscription, ../live.js); the queue is re-read when a run
// finishes and after every decision.
import { constants, gql, operatorKey, rootFieldNames } from '../gql.js';
import { h, num, pct, shortId } from '../dom.js';
import { followRun } from '../live.js';
import { updateParams } from '../state.js';
import { uploadFile } from '../uploads.js';

const QUEUE_SIZE = 50;
const SUBJECTS = 200;

const INFERENCE_QUERY = `query($id: ID!, $first: Int!, $subjects: Int!) {
  inference(id: $id) {
    id samples datasetId trainingRunId createdAt
    run { id status progress stage error }
    policy { id name reviewFraction { estimate low high } }
    counts { slices flaggedSlices subjects flaggedSubjects }
    reviewFraction { realised withinInterval }
    triage(first: $first) { totalCount edges { cursor } nodes { id sliceId flagged entropy mi triageScore slice { subjectId phase sliceIndex } } }
    subjects(first: $subjects) { subjectId externalId slices flaggedSlices flagged maxScore }
  }
  reviewStatus(inferenceId: $id) { sliceId groundTruth }
}`;

// One slice of the queue with its maps: the page after the previous slice's cursor.
const SLICE_MAPS_QUERY = `query($id: ID!, $after: String) {
  inference(id: $id) { triage(first: 1, after: $after) { nodes { id labelPng entropyPng miPng slice { image } } } }
}`;

const flagText = (flagged) => (flagged === true ? 'flagged' : flagged === false ? 'not flagged' : '—');

/** Reads a file as base64 (correctLabel takes the NIfTI bytes in the request). */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** A download that carries the API key when one is set (a plain link cannot send the header). */
function downloadLink(file) {
  return h(
    'a',
    {
      href: file.path,
      download: file.fileName,
      onclick: async (event) => {
        const key = operatorKey();
        if (!key) return;
        event.preventDefault();
        const response = await fetch(file.path, { headers: { authorization: `Bearer ${key}` } });
        if (!response.ok) return;
        const url = URL.createObjectURL(await response.blob());
        h('a', { href: url, download: file.fileName }).click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
    },
    file.kind,
  );
}

export async function render(root, ctx) {
  const { activeRunStatuses: ACTIVE } = await constants();
  const { query, mutation } = await rootFieldNames();
  root.append(h('h2', {}, 'Triage'));
  if (!query.has('inference') || !mutation.has('startInference')) {
    root.append(h('p', { class: 'empty' }, 'This server offers no inferences (startInference, inference).'));
    return undefined;
  }
  const stops = new Set();
  const following = new Set();
  const follow = (runId, onDone, progressEl) => {
    if (following.has(runId)) return;
    following.add(runId);
    const stop = followRun(runId, {
      isActive: (status) => ACTIVE.includes(status),
      onProgress: (p) => {
        if (!ctx.isCurrent()) return;
        progressEl.value = p.progress;
        progressEl.textContent = pct(p.progress);
        if (!ACTIVE.includes(p.status)) {
          stop();
          stops.delete(stop);
          following.delete(runId);
          onDone(p);
        }
      },
      onError: (error) => ctx.setStatus(error.message, true),
    });
    stops.add(stop);
  };

  const lists = await gql(`{
    datasets(first: 500) { nodes { id name site } }
    runs(first: 200, filter: { kind: TRAIN, status: SUCCEEDED }) { nodes { id method createdAt datasetId } }
    inferences(first: 100) { nodes { id createdAt samples run { status } } }
  }`);
  const datasets = lists.datasets.nodes;
  const models = lists.runs.nodes;
  const inferences = lists.inferences.nodes;
  const selected = ctx.params.get('inference') ?? inferences[0]?.id ?? '';

  // 1. Upload scans → a dataset.
  const uploadStatus = h('p', { class: 'note', id: 'upload-status', 'aria-live': 'polite' });
  const uploadProgress = h('progress', { max: '1', value: '0', hidden: true, 'aria-label': 'import progress' });
  const uploadForm = h(
    'form',
    { id: 'upload-form', 'aria-label': 'Upload scans' },
    h('h3', {}, 'Upload scans'),
    h(
      'p',
      { class: 'note' },
      'NIfTI images (X.nii.gz or X.nii), optionally with labels X_gt.nii.gz; each file becomes one subject.',
    ),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'label',
        {},
        'Files ',
        h('input', { name: 'files', type: 'file', multiple: true, accept: '.nii,.gz', required: true }),
      ),
      h(
        'label',
        {},
        'Dataset name ',
        h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*', maxlength: '64' }),
      ),
      h('button', { type: 'submit', disabled: !mutation.has('importUpload') }, 'Upload and import'),
      uploadProgress,
    ),
    uploadStatus,
  );
  uploadForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const files = [...uploadForm.elements.files.files];
    const name = uploadForm.elements.name.value.trim();
    try {
      const ids = [];
      for (const [i, file] of files.entries()) {
        uploadStatus.textContent = `Uploading ${file.name} (${i + 1} of ${files.length})…`;
        ids.push((await uploadFile(file)).id);
      }
      const { importUpload: run } = await gql(
        'mutation($input: ImportUploadInput!) { importUpload(input: $input) { id status } }',
        { input: { name, uploadIds: ids } },
      );
      uploadStatus.textContent = `Importing ${files.length} file${files.length === 1 ? '' : 's'} as ${name} (run ${shortId(run.id)})…`;
      uploadProgress.hidden = false;
      follow(
        run.id,
        async (done) => {
          if (done.status !== 'SUCCEEDED') {
            uploadStatus.textContent = `Import ${done.status.toLowerCase()}: ${done.error ?? ''}`;
            return;
          }
          const { run: finished } = await gql('query($id: ID!) { run(id: $id) { datasetId } }', { id: run.id });
          uploadStatus.textContent = `Imported ${name}: dataset ${shortId(finished.datasetId)}.`;
          datasetSelect.append(h('option', { value: finished.datasetId, selected: true }, name));
        },
        uploadProgress,
      );
    } catch (error) {
      uploadStatus.textContent = error.message;
      ctx.setStatus(error.message, true);
    }
  });

  // 2. Start an inference.
  const datasetSelect = h(
    'select',
    { name: 'datasetId', required: true },
    datasets.map((d) => h('option', { value: d.id }, `${d.name}${d.site ? ` (site ${d.site})` : ''}`)),
  );
  const samplesInput = h('input', {
    name: 'samples',
    type: 'number',
    min: '1',
    max: '200',
    value: '10',
    required: true,
  });
  // A policy's thresholds hold at the T it was chosen at (the API refuses another T for sampling models).
  const policySelect = h(
    'select',
    {
      name: 'policyId',
      onchange: () => {
        const chosen = policySelect.selectedOptions[0];
        if (chosen?.dataset.samples) samplesInput.value = chosen.dataset.samples;
      },
    },
    h('option', { value: '' }, 'none'),
  );
  const modelSelect = h(
    'select',
    { name: 'trainingRunId', required: true, onchange: () => loadPolicies() },
    models.map((m) => h('option', { value: m.id }, `${m.method} ${shortId(m.id)}`)),
  );
  async function loadPolicies() {
    const id = modelSelect.value;
    const nodes = id
      ? (
          await gql(
            'query($id: ID) { policies(trainingRunId: $id, first: 100) { nodes { id name evaluation { samples } } } }',
            { id },
          )
        ).policies.nodes
      : [];
    policySelect.replaceChildren(
      h('option', { value: '' }, 'none'),
      ...nodes.map((p) =>
        h(
          'option',
          { value: p.id, 'data-samples': String(p.evaluation.samples) },
          `${p.name} (T ${p.evaluation.samples})`,
        ),
      ),
    );
  }
  const inferStatus = h('p', { class: 'note', id: 'infer-status', 'aria-live': 'polite' });
  const inferProgress = h('progress', { max: '1', value: '0', hidden: true, 'aria-label': 'inference progress' });
  const inferForm = h(
    'form',
    { id: 'infer-form', 'aria-label': 'Start an inference' },
    h('h3', {}, 'Segment with uncertainty'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', {}, 'Model ', modelSelect),
      h('label', {}, 'Dataset ', datasetSelect),
      h('label', {}, 'Samples T ', samplesInput),
      h('label', {}, 'Policy ', policySelect),
      h('button', { type: 'submit', disabled: models.length === 0 }, 'Start inference'),
      inferProgress,
    ),
    models.length ? null : h('p', { class: 'note' }, 'No trained model yet: train one in Runs.'),
    inferStatus,
  );
  inferForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const v = Object.fromEntries(new FormData(inferForm));
    const input = { trainingRunId: v.trainingRunId, datasetId: v.datasetId, samples: Number(v.samples) };
    if (v.policyId) input.policyId = v.policyId;
    try {
      const { startInference: run } = await gql(
        'mutation($input: InferenceInput!) { startInference(input: $input) { id } }',
        { input },
      );
      inferStatus.textContent = `Inference run ${shortId(run.id)} started…`;
      inferProgress.hidden = false;
      follow(
        run.id,
        async (done) => {
          inferStatus.textContent = `Inference run ${shortId(run.id)} ${done.status.toLowerCase()}${done.error ? `: ${done.error}` : ''}.`;
          const { inferences: mine } = await gql('{ inferences(first: 20) { nodes { id runId } } }');
          const made = mine.nodes.find((i) => i.runId === run.id);
          if (made) updateParams({ inference: made.id });
        },
        inferProgress,
      );
    } catch (error) {
      inferStatus.textContent = error.message;
      ctx.setStatus(error.message, true);
    }
  });

  // 3. The queue of the chosen inference.
  const inferencePicker = h(
    'label',
    {},
    'Inference ',
    h(
      'select',
      { name: 'inference', onchange: (e) => updateParams({ inference: e.target.value }) },
      inferences.map((i) =>
        h(
          'option',
          { value: i.id, selected: i.id === selected },
          `${shortId(i.id)} · T ${i.samples} · ${i.run.status} · ${new Date(i.createdAt).toLocaleString()}`,
        ),
      ),
    ),
  );
  const queue = h('section', { id: 'triage-queue', 'aria-label': 'Triage queue' });
  root.append(
    h('div', { class: 'panel' }, uploadForm),
    h('div', { class: 'panel' }, inferForm),
    h('h3', {}, 'Review queue'),
    h(
      'div',
      { class: 'toolbar' },
      inferences.length ? inferencePicker : h('p', { class: 'empty' }, 'No inference yet.'),
    ),
    queue,
  );
  await loadPolicies();

  async function decide(label, mutationText, input) {
    try {
      await gql(mutationText, { input });
      ctx.setStatus(label);
      await showQueue(selected);
    } catch (error) {
      ctx.setStatus(error.message, true);
    }
  }
  const accept = (input, label) =>
    decide(label, 'mutation($input: AcceptReviewInput!) { acceptReview(input: $input) { id decision } }', {
      inferenceId: selected,
      ...input,
    });

  function correctionForm(subject, phases) {
    const form = h(
      'form',
      { class: 'toolbar', 'aria-label': `Correct ${subject.externalId}` },
      phases.map((phase) =>
        h(
          'label',
          {},
          `${phase} label `,
          h('input', { type: 'file', name: phase, accept: '.nii,.gz', required: true }),
        ),
      ),
      h('button', { type: 'submit' }, 'Upload correction'),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const volumes = [];
      for (const phase of phases) volumes.push({ phase, nifti: await base64Of(form.elements[phase].files[0]) });
      await decide(
        `Recorded the corrected label of ${subject.externalId}`,
        'mutation($input: CorrectLabelInput!) { correctLabel(input: $input) { id decision } }',
        { inferenceId: selected, subjectId: subject.subjectId, volumes },
      );
    });
    return form;
  }

  const viewer = h('figure', { class: 'viewer', id: 'triage-viewer', hidden: true });
  /** The image with the mean segmentation over it, and the entropy and MI maps, of one queued slice. */
  async function showSlice(id, node, after, title) {
    try {
      const data = await gql(SLICE_MAPS_QUERY, { id, after });
      const maps = data.inference.triage.nodes[0];
      if (!maps || maps.id !== node.id) throw new Error('the queue has changed: reload it');
      const figure = (src, caption) =>
        h(
          'figure',
          {},
          // Maps are a pixel per voxel: drawn at the stack's scale, unsmoothed.
          h('img', { src, alt: `${caption} of ${title}`, style: 'width: 180px; image-rendering: pixelated' }),
          h('figcaption', {}, caption),
        );
      viewer.replaceChildren(
        h(
          'div',
          { class: 'stack' },
          h('img', { src: maps.slice.image, alt: `Image of ${title}` }),
          h('img', {
            src: maps.labelPng,
            class: 'overlay',
            style: 'opacity: 0.5',
            alt: `Mean segmentation of ${title}`,
          }),
        ),
        h('div', { class: 'strip' }, figure(maps.entropyPng, 'Entropy'), figure(maps.miPng, 'Mutual information')),
        h('figcaption', {}, title, ': mean segmentation over the image; entropy and MI maps (0 to ln 4 nats)'),
      );
      viewer.hidden = false;
      viewer.dataset.sliceId = node.sliceId;
    } catch (error) {
      ctx.setStatus(error.message, true);
    }
  }

  async function showQueue(id) {
    if (!id) return;
    const [data, downloads] = await Promise.all([
      gql(INFERENCE_QUERY, { id, first: QUEUE_SIZE, subjects: SUBJECTS }),
      query.has('inferenceDownloads')
        ? gql(
            'query($id: ID!) { inferenceDownloads(inferenceId: $id) { subjectId phase files { kind fileName path } } }',
            { id },
          ).catch(() => ({ inferenceDownloads: [] }))
        : { inferenceDownloads: [] },
    ]);
    if (!ctx.isCurrent()) return;
    const inf = data.inference;
    if (!inf) {
      queue.replaceChildren(h('p', { class: 'empty' }, `No inference ${id}.`));
      return;
    }
    const origin = new Map(data.reviewStatus.map((s) => [s.sliceId, s.groundTruth]));
    const subjectName = new Map(inf.subjects.map((s) => [s.subjectId, s.externalId]));
    const phasesOf = new Map();
    for (const n of inf.triage.nodes) {
      const set = phasesOf.get(n.slice.subjectId) ?? new Set();
      set.add(n.slice.phase);
      phasesOf.set(n.slice.subjectId, set);
    }
    const filesOf = new Map();
    for (const d of downloads.inferenceDownloads) filesOf.set(d.subjectId, [...(filesOf.get(d.subjectId) ?? []), d]);
    const c = inf.counts;
    const running = ACTIVE.includes(inf.run.status);
    const summary = h(
      'p',
      { class: 'note', id: 'triage-summary' },
      `Run ${inf.run.status.toLowerCase()}${running ? ` (${pct(inf.run.progress)})` : ''}; ${c.slices} slices of ${c.subjects} subjects, `,
      inf.policy
        ? `${c.flaggedSlices} slices flagged by ${inf.policy.name} (${c.flaggedSubjects} subjects): ` +
            `review fraction ${pct(inf.reviewFraction?.realised)}, promised ${pct(inf.policy.reviewFraction.estimate)} ` +
            `[${pct(inf.policy.reviewFraction.low)}, ${pct(inf.policy.reviewFraction.high)}]` +
            `${inf.reviewFraction ? (inf.reviewFraction.withinInterval ? ', within' : ', outside') : ''}.`
        : 'no policy: ordered by entropy.',
    );
    const slices = h(
      'table',
      { id: 'triage-slices' },
      h('caption', {}, `Slices, flagged first (${inf.triage.nodes.length} of ${inf.triage.totalCount})`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Subject', 'Phase', 'Slice', 'Flag', 'Score', 'Entropy', 'MI', 'Ground truth', 'Review'].map((x) =>
            h('th', { scope: 'col', class: 'text' }, x),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        inf.triage.nodes.map((n, k) => {
          const truth = origin.get(n.sliceId) ?? null;
          const name = subjectName.get(n.slice.subjectId) ?? shortId(n.slice.subjectId);
          const title = `${name} ${n.slice.phase} slice ${n.slice.sliceIndex}`;
          return h(
            'tr',
            { 'data-slice-id': n.sliceId, 'data-flagged': String(n.flagged), class: n.flagged ? 'flagged' : '' },
            h('th', { scope: 'row', class: 'text' }, name),
            h('td', { class: 'text' }, n.slice.phase),
            h('td', {}, String(n.slice.sliceIndex)),
            h('td', { class: 'text' }, flagText(n.flagged)),
            h('td', {}, num(n.triageScore)),
            h('td', {}, num(n.entropy)),
            h('td', {}, num(n.mi)),
            h('td', { class: 'text ground-truth' }, truth ?? 'none'),
            h(
              'td',
              { class: 'text' },
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Show ${title}`,
                  onclick: () => showSlice(id, n, k ? inf.triage.edges[k - 1].cursor : null, title),
                },
                'Show',
              ),
              truth
                ? null
                : h(
                    'button',
                    {
                      type: 'button',
                      'aria-label': `Accept ${title}`,
                      onclick: () => accept({ sliceId: n.sliceId }, `Accepted ${title}`),
                    },
                    'Accept',
                  ),
            ),
          );
        }),
      ),
    );
    const subjects = h(
      'table',
      { id: 'triage-subjects' },
      h('caption', {}, 'Subjects, flagged first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Subject', 'Flagged slices', 'Highest score', 'Review', 'Downloads'].map((x) =>
            h('th', { scope: 'col', class: 'text' }, x),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        inf.subjects.map((s) => {
          const correcting = h('div', { hidden: true });
          return h(
            'tr',
            { 'data-subject-id': s.subjectId, class: s.flagged ? 'flagged' : '' },
            h('th', { scope: 'row', class: 'text' }, s.externalId),
            h('td', {}, `${s.flaggedSlices} of ${s.slices}`),
            h('td', {}, num(s.maxScore)),
            h(
              'td',
              { class: 'text' },
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Accept subject ${s.externalId}`,
                  onclick: () => accept({ subjectId: s.subjectId }, `Accepted subject ${s.externalId}`),
                },
                'Accept all',
              ),
              mutation.has('correctLabel')
                ? h(
                    'button',
                    {
                      type: 'button',
                      'aria-label': `Correct subject ${s.externalId}`,
                      onclick: () => {
                        correcting.replaceChildren(correctionForm(s, [...(phasesOf.get(s.subjectId) ?? ['ED'])]));
                        correcting.hidden = false;
                      },
                    },
                    'Correct…',
                  )
                : null,
              correcting,
            ),
            h(
              'td',
              { class: 'text downloads' },
              (filesOf.get(s.subjectId) ?? []).map((d) =>
                h(
                  'span',
                  { class: 'download-group' },
                  `${d.phase}: `,
                  d.files.map((f) => [downloadLink(f), ' ']),
                ),
              ),
            ),
          );
        }),
      ),
    );
    queue.replaceChildren(summary, slices, viewer, subjects);
    if (running) {
      const progress = h('progress', { max: '1', value: String(inf.run.progress), 'aria-label': 'inference progress' });
      summary.append(' ', progress);
      follow(inf.run.id, () => showQueue(id), progress);
    }
  }
  await showQueue(selected);
  return () => {
    for (const stop of stops) stop();
  };
}
