"""The false-alarm classes of the opt-in numeric and architecture rules (NNL203, NNL204, NNL401,
NNL403) read on real repositories (tests/precision/holdout-labels), each next to the real
mistake of the same shape that must still be found."""

from __future__ import annotations

import textwrap

from nnlint.lint import check_source


def lines(source: str, code: str, path: str = "model.py", test_code=None) -> list[int]:
    result = check_source(textwrap.dedent(source).encode(), path, {code}, test_code=test_code)
    return sorted(d.start.line for d in result.diagnostics if d.code == code)


# ------------------------------------------------------------------ NNL203 / NNL204: no gradient


def test_a_method_called_only_under_no_grad_is_not_training_code():
    # Latent-diffusion's to_rgb: min-max rescaling for logged images, called from an
    # @torch.no_grad() log_images; the same rescaling in forward is still found.
    source = """\
        import torch
        from torch import nn

        class AE(nn.Module):
            def forward(self, x):
                return 2. * (x - x.min()) / (x.max() - x.min()) - 1.

            def to_rgb(self, x):
                return 2. * (x - x.min()) / (x.max() - x.min()) - 1.

            @torch.no_grad()
            def log_images(self, batch):
                return {"seg": self.to_rgb(batch)}

            def sample_grid(self, batch):
                with torch.no_grad():
                    return self.to_rgb(batch)
        """
    assert lines(source, "NNL203") == [6]


def test_a_function_called_both_with_and_without_gradients_is_still_training_code():
    source = """\
        import torch

        def scale(x):
            return x / x.std()

        def train(model, x, opt):
            loss = model(scale(x)).sum()
            loss.backward()
            with torch.no_grad():
                print(scale(x))
        """
    assert lines(source, "NNL203") == [4]


def test_metric_and_analytic_derivative_functions_take_no_gradient():
    # kornia's root_mean_squared_disparity_error, dx_distort_points_kannala_brandt, MONAI's
    # boxes_center_distance: evaluation numbers and hand-written Jacobians.
    source = """\
        import torch

        def root_mean_squared_disparity_error(pred, target):
            return ((pred - target) ** 2).mean().sqrt()

        def dx_distort_points(a, b):
            c2 = a.pow(2) + b.pow(2)
            return c2.sqrt().atan()

        def boxes_center_distance(c1, c2):
            return (c1[:, None] - c2[None]).pow(2).sum(-1).sqrt()

        def rmse_loss(pred, target):
            return ((pred - target) ** 2).mean().sqrt()

        def distort_points(a, b):
            return (a ** 2 + b ** 2).sqrt()
        """
    assert lines(source, "NNL204") == [14, 17]


def test_a_metric_named_helper_whose_result_is_backpropagated_is_still_found():
    source = """\
        import torch

        def rmse_error(pred, target):
            return ((pred - target) ** 2).mean().sqrt()

        def train(model, x, y, opt):
            loss = rmse_error(model(x), y)
            loss.backward()
        """
    assert lines(source, "NNL204") == [4]


def test_one_off_data_standardisation_before_the_training_loop_is_not_reported():
    # rasbt's softmax-regression notebook: the Iris features standardised once, at top level,
    # before a training loop; a per-batch division inside the loop is still found.
    source = """\
        import torch
        X_train = torch.randn(100, 4)
        mu, sigma = X_train.mean(dim=0), X_train.std(dim=0)
        X_train = (X_train - mu) / sigma
        model = torch.nn.Linear(4, 3)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            out = model(X_train)
            loss = out.sum() / out.norm()
            loss.backward()
            opt.step()
        """
    assert lines(source, "NNL203") == [9]


def test_a_snippet_computing_one_loss_at_top_level_is_still_checked():
    source = """\
        import torch
        a = torch.randn(3, requires_grad=True)
        b = torch.randn(3)
        loss = torch.sqrt(((a - b) ** 2).sum())
        loss.backward()
        """
    assert lines(source, "NNL204") == [4]


def test_square_roots_in_test_code_are_not_checked():
    # MONAI's test: an RMSE inside assertLess(...item()), never differentiated.
    source = """\
        import torch
        from torch import nn

        class TestRecon(nn.Module):
            def forward(self, a, b):
                return (((a - b) ** 2).mean() ** 0.5)
        """
    assert lines(source, "NNL204", "tests/test_recon.py", test_code=True) == []
    assert lines(source, "NNL204") == [6]


# --------------------------------------------------------------- NNL203 / NNL204: cannot be 0


def test_a_stabiliser_that_is_a_squared_hyperparameter_guards_the_denominator():
    # kornia's MS-SSIM: C1 = (K[0] * data_range) ** 2 added to the denominator.
    source = """\
        import torch
        from torch import nn

        class SSIM(nn.Module):
            def __init__(self, data_range: float = 1.0, K: tuple = (0.01, 0.03)):
                super().__init__()
                self.C1: float = (K[0] * data_range) ** 2

            def forward(self, mux, muy, sx, sy):
                mux2, muy2 = mux.pow(2), muy.pow(2)
                lc = (2 * mux * muy + self.C1) / (mux2 + muy2 + self.C1)
                bad = (2 * mux * muy) / (mux2 + muy2)
                return lc * bad
        """
    assert lines(source, "NNL203") == [12]


def test_a_square_of_a_value_offset_by_eps_is_not_zero():
    # cirtorch's contrastive loss: pow(dif + eps, 2), as F.pairwise_distance does.
    source = """\
        import torch

        def contrastive_loss(x1, x2, eps=1e-6):
            dif = x1 - x2
            guarded = torch.pow(dif + eps, 2).sum(dim=0).sqrt()
            also = ((dif - eps) ** 2).sum(dim=0).sqrt()
            bad = torch.pow(dif, 2).sum(dim=0).sqrt()
            return guarded + also + bad
        """
    assert lines(source, "NNL204") == [7]


def test_a_network_output_divided_by_its_own_norm_is_not_reported():
    # CLIP/SigLIP: features from a projection layer or an encoder, divided by their own norm.
    source = """\
        import torch
        from torch import nn

        class Clip(nn.Module):
            def __init__(self, encoder):
                super().__init__()
                self.model = encoder
                self.proj = nn.Linear(512, 256)

            def forward(self, x, tokens):
                image_features = self.proj(x)
                image_features = image_features / image_features.norm(dim=-1, keepdim=True)
                z = self.model.encode_text(tokens)
                z = z / torch.linalg.norm(z, dim=1, keepdim=True)
                return image_features @ z.t()
        """
    assert lines(source, "NNL203") == []


def test_a_parameter_or_difference_divided_by_its_own_norm_is_still_found():
    # peft's HRA: Householder vectors (a parameter, a Gram-Schmidt remainder) normalised with no eps.
    source = """\
        import torch
        from torch import nn

        class HRA(nn.Module):
            def __init__(self, r):
                super().__init__()
                self.u = nn.Parameter(torch.zeros(16, r))

            def forward(self, x):
                u = self.u
                first = u[:, 0] / u[:, 0].norm()
                ui = u[:, 1] - (first @ u[:, 1]) * first
                second = ui / ui.norm()
                return x @ torch.stack([first, second], 1)
        """
    assert lines(source, "NNL203") == [11, 13]


def test_an_eigenvector_divided_by_its_norm_is_not_reported():
    # kornia's quaternion average: the top eigenvector of eigh is unit length.
    source = """\
        import torch
        from torch import nn

        class Average(nn.Module):
            def forward(self, data):
                eigenvalues, eigenvectors = torch.linalg.eigh(data.T @ data)
                q = eigenvectors[:, torch.argmax(eigenvalues)]
                return q / q.norm()
        """
    assert lines(source, "NNL203") == []


# ------------------------------------------------------------------------------------- NNL401


def test_a_stack_whose_activations_are_commented_out_is_a_deliberate_experiment():
    source = """\
        from torch import nn

        class Blob(nn.Module):
            def __init__(self, i, o, h=8):
                super().__init__()
                self.stack = nn.Sequential(
                    nn.Linear(i, h),
                    # nn.ReLU(),  # <- does our dataset need non-linear layers?
                    nn.Linear(h, o),
                )

            def forward(self, x):
                return self.stack(x)

        class Circle(nn.Module):
            def __init__(self):
                super().__init__()
                self.stack = nn.Sequential(
                    nn.Linear(2, 10),  # no activation: the bug
                    nn.Linear(10, 1),
                )

            def forward(self, x):
                return self.stack(x)
        """
    assert lines(source, "NNL401") == [20]


def test_a_stack_whose_literal_widths_do_not_chain_is_a_shape_error_not_a_missing_activation():
    source = """\
        from torch import nn
        broken = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Linear(5, 10))
        linear = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Linear(10, 10))
        """
    assert lines(source, "NNL401") == [3]


def test_a_stack_its_comment_calls_a_linear_model_is_linear_on_purpose():
    # NYU-DLSP20's spiral notebook: "nn package to create our linear model", then the same
    # Sequential with a ReLU to compare. A comment that only describes the layers says nothing.
    source = """\
        from torch import nn
        D, H, C = 2, 100, 3
        # nn package to create our linear model
        # each Linear module has a weight and bias
        linear = nn.Sequential(
            nn.Linear(D, H),
            nn.Linear(H, C)
        )
        # logistic regression, written as two layers to show they compose
        logistic = nn.Sequential(nn.Linear(D, H), nn.Linear(H, 1), nn.Sigmoid())

        # each Linear module has a weight and bias
        classifier = nn.Sequential(
            nn.Linear(D, H),
            nn.Linear(H, C)
        )
        # our linear model
        unrelated = 1
        deeper = nn.Sequential(nn.Linear(D, H), nn.Linear(H, C))
        """
    assert lines(source, "NNL401") == [15, 19]


# ------------------------------------------------------------------------------------- NNL403


def test_a_model_that_loads_its_checkpoint_strictly_keeps_unused_layers_for_the_keys():
    # kornia's DexiNed: side_5 is unused but the published checkpoint has its weights.
    source = """\
        import torch
        from torch import nn

        class DexiNed(nn.Module):
            def __init__(self, url=None):
                super().__init__()
                self.side_4 = nn.Conv2d(512, 256, 1)
                self.side_5 = nn.Conv2d(512, 256, 1)
                if url:
                    self.load_state_dict(torch.hub.load_state_dict_from_url(url), strict=True)

            def forward(self, x):
                return self.side_4(x)

        class Vista(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Conv3d(2, 2, 3)
                self.mask_downsample = nn.Conv3d(2, 2, 3, stride=2)

            def forward(self, x):
                return self.encoder(x)
        """
    assert lines(source, "NNL403") == [19]


def test_a_layer_commented_as_training_only_or_kept_for_compatibility_is_not_reported():
    source = """\
        from torch import nn

        class Head(nn.Module):
            def __init__(self, n, d):
                super().__init__()
                self.fc = nn.Linear(d, n)
                self.denoising_class_embed = nn.Embedding(n + 1, d)  # not used in evaluation
                self.old_proj = nn.Linear(d, d)  # kept for checkpoint compatibility
                self.attn_drop = nn.Dropout(0.1)  # Note: attn_drop is actually not used.

            def forward(self, x):
                return self.fc(x)
        """
    assert lines(source, "NNL403") == [9]


def test_losses_penalties_and_renderers_are_not_taken_for_gradient_free_code():
    source = """\
        import torch
        from torch import nn

        def jacobian_penalty(j):
            return torch.sqrt((j ** 2).sum())

        class NeRF(nn.Module):
            def render(self, w):
                return w / w.norm()

            def draw_samples(self, mu, logvar):
                return mu / logvar.std()
        """
    assert lines(source, "NNL204") == [5]
    assert lines(source, "NNL203") == [9, 12]


def test_a_mask_whose_count_is_set_by_construction_is_not_an_empty_selection():
    # MAE's random_masking: a mask of ones with the kept patches zeroed, so every row masks
    # the same non-zero number of patches; a mask from the data can be empty.
    source = """\
        import torch
        from torch import nn

        class MAE(nn.Module):
            def random_masking(self, x, mask_ratio):
                N, L, D = x.shape
                len_keep = int(L * (1 - mask_ratio))
                ids_restore = torch.argsort(torch.argsort(torch.rand(N, L), dim=1), dim=1)
                mask = torch.ones([N, L], device=x.device)
                mask[:, :len_keep] = 0
                mask = torch.gather(mask, dim=1, index=ids_restore)
                return x, mask, ids_restore

            def forward_loss(self, pred, target, mask):
                loss = ((pred - target) ** 2).mean(dim=-1)
                return (loss * mask).sum() / mask.sum()

            def forward(self, x, target, mask_ratio=0.75):
                latent, mask, ids = self.random_masking(x, mask_ratio)
                return self.forward_loss(latent, target, mask)

        def token_mean(loss, labels):
            mask = labels != -100
            return (loss * mask).sum() / mask.sum()
        """
    assert lines(source, "NNL203") == [24]
