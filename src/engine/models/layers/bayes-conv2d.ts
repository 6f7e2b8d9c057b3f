/**
 * Bayesian 2-D convolution for Bayes by Backprop (paper section "Bayes by Backprop"; Blundell et
 * al. 2015). Mean-field Gaussian posterior over every kernel weight and bias:
 *
 *   q(w) = Π N(w; μ, σ²),  σ = softplus(ρ) = ln(1 + e^ρ)
 *
 * Each call samples ε ~ N(0, 1) and uses w = μ + σ·ε (reparameterisation trick, one weight sample
 * per forward pass shared by the batch), so gradients flow to μ and ρ.
 * Prior p(w) = N(0, σ_prior²); the closed-form KL divergence summed over all weights is
 *
 *   KL[q‖p] = Σ [ ln(σ_prior/σ) + (σ² + μ²) / (2σ_prior²) − ½ ]
 *
 * which the training loop adds to the loss as λ·KL / N_train (see training/loss.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { standardNormals } from './fast-random';
import { nextNoiseSeed } from './noise-seed';

export interface BayesConv2DArgs {
  filters: number;
  kernelSize: number;
  activation?: 'relu' | 'linear';
  priorSigma: number;
  /** Initial ρ for every weight and bias (σ₀ = softplus(ρ₀)); default −6 (σ₀ ≈ 0.0025). */
  initRho?: number;
  /** Seed of the μ initialiser (Glorot uniform). */
  seed?: number;
  name?: string;
}

export class BayesConv2D extends tf.layers.Layer {
  static className = 'BayesConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly activation: 'relu' | 'linear';
  readonly priorSigma: number;
  readonly initRho: number;
  readonly seed: number | undefined;
  private kernelMu!: tf.LayerVariable;
  private kernelRho!: tf.LayerVariable;
  private biasMu!: tf.LayerVariable;
  private biasRho!: tf.LayerVariable;

  constructor(args: BayesConv2DArgs) {
    super({ name: args.name });
    if (!(args.priorSigma > 0)) throw new Error(`prior sigma must be > 0, got ${args.priorSigma}`);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.activation = args.activation ?? 'linear';
    this.priorSigma = args.priorSigma;
    this.initRho = args.initRho ?? -6;
    this.seed = args.seed ?? undefined;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inChannels = shape[shape.length - 1] as number;
    const k = this.kernelSize;
    const kernelShape = [k, k, inChannels, this.filters];
    const rho = tf.initializers.constant({ value: this.initRho });
    this.kernelMu = this.addWeight(
      'kernel_mu',
      kernelShape,
      'float32',
      tf.initializers.glorotUniform({ seed: this.seed }),
    );
    this.kernelRho = this.addWeight('kernel_rho', kernelShape, 'float32', rho);
    this.biasMu = this.addWeight('bias_mu', [this.filters], 'float32', tf.initializers.zeros());
    this.biasRho = this.addWeight('bias_rho', [this.filters], 'float32', rho);
    this.built = true;
  }

  /** Draws one weight sample w = μ + softplus(ρ)·ε. */
  private sample(mu: tf.LayerVariable, rho: tf.LayerVariable): tf.Tensor {
    const m = mu.read();
    const eps = tf.tensor(standardNormals(m.size, nextNoiseSeed()), m.shape);
    return tf.add(m, tf.mul(tf.softplus(rho.read()), eps));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const w = this.sample(this.kernelMu, this.kernelRho) as tf.Tensor4D;
      const b = this.sample(this.biasMu, this.biasRho) as tf.Tensor1D;
      return tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: b, activation: this.activation });
    });
  }

  /** Closed-form KL[q(w) ‖ N(0, σ_prior²)] summed over kernel and bias (a scalar, differentiable). */
  klDivergence(): tf.Scalar {
    return tf.tidy(() => {
      const sp = this.priorSigma;
      const term = (mu: tf.LayerVariable, rho: tf.LayerVariable): tf.Scalar => {
        const sigma = tf.softplus(rho.read());
        const ratio = tf.log(tf.div(sp, sigma));
        const quad = tf.div(tf.add(tf.square(sigma), tf.square(mu.read())), 2 * sp * sp);
        return tf.sum(tf.sub(tf.add(ratio, quad), 0.5));
      };
      return tf.add(term(this.kernelMu, this.kernelRho), term(this.biasMu, this.biasRho));
    });
  }

  /** σ = softplus(ρ) of every kernel weight and bias, for the weight_stats figure. */
  sigmaValues(): Float32Array {
    return tf.tidy(() => {
      const k = tf.softplus(this.kernelRho.read()).reshape([-1]);
      const b = tf.softplus(this.biasRho.read()).reshape([-1]);
      return tf.concat([k, b]).dataSync() as Float32Array;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      activation: this.activation,
      priorSigma: this.priorSigma,
      initRho: this.initRho,
      seed: this.seed ?? null,
    };
  }
}
tf.serialization.registerClass(BayesConv2D);
