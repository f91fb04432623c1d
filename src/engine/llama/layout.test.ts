import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import koffi from 'koffi';
import { BatchStruct } from './batch.ts';
import { ContextParams } from './context.ts';
import { loadLlama } from './index.ts';
import { ModelParams } from './model.ts';

// Sizes and offsets that gcc gives for include/llama.h of release v0.4.0 on an LP64 target.
describe('struct layouts match llama.h v0.4.0', { skip: koffi.sizeof('void *') !== 8 ? '64-bit layouts only' : false }, () => {
  it('llama_model_params', () => {
    assert.equal(koffi.sizeof(ModelParams), 80);
    assert.equal(koffi.offsetof(ModelParams, 'n_gpu_layers'), 16);
    assert.equal(koffi.offsetof(ModelParams, 'main_gpu'), 32);
    assert.equal(koffi.offsetof(ModelParams, 'tensor_split'), 40);
    assert.equal(koffi.offsetof(ModelParams, 'kv_overrides'), 64);
    assert.equal(koffi.offsetof(ModelParams, 'vocab_only'), 72);
    assert.equal(koffi.offsetof(ModelParams, 'load_mtp'), 77);
  });

  it('llama_context_params', () => {
    assert.equal(koffi.sizeof(ContextParams), 160);
    assert.equal(koffi.offsetof(ContextParams, 'n_threads'), 28);
    assert.equal(koffi.offsetof(ContextParams, 'ctx_type'), 36);
    assert.equal(koffi.offsetof(ContextParams, 'flash_attn_type'), 52);
    assert.equal(koffi.offsetof(ContextParams, 'rope_freq_base'), 56);
    assert.equal(koffi.offsetof(ContextParams, 'yarn_orig_ctx'), 80);
    assert.equal(koffi.offsetof(ContextParams, 'cb_eval'), 88);
    assert.equal(koffi.offsetof(ContextParams, 'type_k'), 104);
    assert.equal(koffi.offsetof(ContextParams, 'abort_callback'), 112);
    assert.equal(koffi.offsetof(ContextParams, 'embeddings'), 128);
    assert.equal(koffi.offsetof(ContextParams, 'kv_unified'), 133);
    assert.equal(koffi.offsetof(ContextParams, 'samplers'), 136);
    assert.equal(koffi.offsetof(ContextParams, 'ctx_other'), 152);
  });

  it('llama_batch', () => {
    assert.equal(koffi.sizeof(BatchStruct), 56);
    assert.equal(koffi.offsetof(BatchStruct, 'logits'), 48);
  });
});

// A field out of place shifts every later one, so the documented defaults read back wrong.
describe('default params read back as llama.cpp documents them', () => {
  const { model, context } = loadLlama().defaultParams();

  it('llama_model_default_params', () => {
    assert.equal(model.devices, null);
    assert.equal(model.n_gpu_layers, -1);
    assert.equal(model.split_mode, 1); // LLAMA_SPLIT_MODE_LAYER
    assert.equal(model.load_mode, -1); // LLAMA_LOAD_MODE_AUTO
    assert.equal(model.lazy_mode, 1); // LLAMA_LAZY_MODE_AUTO
    assert.equal(model.main_gpu, 0);
    assert.equal(model.kv_overrides, null);
    assert.deepEqual(
      [model.vocab_only, model.check_tensors, model.use_extra_bufts, model.no_host, model.no_alloc, model.load_mtp],
      [false, false, true, false, false, false],
    );
  });

  it('llama_context_default_params', () => {
    assert.equal(context.n_ctx, 512);
    assert.equal(context.n_batch, 2048);
    assert.equal(context.n_ubatch, 512);
    assert.equal(context.n_seq_max, 1);
    assert.equal(context.n_rs_seq, 0);
    assert.equal(context.n_outputs_max, 0);
    assert.equal(context.n_outputs_max_per_seq, 1);
    assert.equal(context.n_threads, 4); // GGML_DEFAULT_N_THREADS: why every context sets threads explicitly
    assert.equal(context.ctx_type, 0);
    assert.equal(context.rope_scaling_type, -1);
    assert.equal(context.flash_attn_type, -1);
    assert.equal(context.yarn_ext_factor, -1);
    assert.equal(context.defrag_thold, -1);
    assert.equal(context.type_k, 1); // GGML_TYPE_F16
    assert.equal(context.type_v, 1);
    assert.deepEqual(
      [context.embeddings, context.offload_kqv, context.no_perf, context.op_offload, context.swa_full, context.kv_unified],
      [false, true, true, true, true, false],
    );
    assert.equal(context.samplers, null);
    assert.equal(context.n_samplers, 0);
    assert.equal(context.ctx_other, null);
  });

  it('llama_sampler_chain_default_params', () => {
    assert.deepEqual(loadLlama().sampler.chainDefaultParams(), { no_perf: true });
  });
});
